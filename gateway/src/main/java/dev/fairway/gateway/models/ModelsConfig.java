package dev.fairway.gateway.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The models a server offers ({@code --model}, repeatable, {@code NAME=SOURCE}, then those found in
 * {@code --models-dir}), how many may be loaded at once ({@code --max-loaded-models}, 0 = no limit) and in how much
 * memory ({@code --memory-budget} in bytes, weights and KV pools, 0 = no limit), which load at start
 * ({@code --preload}), how long a request waits for a load ({@code --load-timeout}, zero = as long as it takes) and
 * how long an idle model stays loaded unless a request says otherwise ({@code --keep-alive}, {@link KeepAlive}). The
 * first model is the default.
 */
public record ModelsConfig(
        List<Spec> models,
        int maxLoaded,
        long memoryBudget,
        Path modelsDir,
        List<String> preload,
        Duration loadTimeout,
        Duration keepAlive) {
    /** One model: the id clients use and where it comes from (folder, GGUF file, Hugging Face id...). */
    public record Spec(String name, String source) {}

    public ModelsConfig {
        if (models.isEmpty()) throw new IllegalArgumentException("--model (or FAIRWAY_MODEL) is required");
        if (maxLoaded < 0) throw new IllegalArgumentException("--max-loaded-models must be >= 0");
        if (memoryBudget < 0) throw new IllegalArgumentException("--memory-budget must be >= 0");
        if (loadTimeout.isNegative()) throw new IllegalArgumentException("--load-timeout must be >= 0");
        Set<String> names = new HashSet<>();
        for (Spec s : models) {
            if (!names.add(s.name()))
                throw new IllegalArgumentException("two models are named '" + s.name() + "'; use NAME=SOURCE");
        }
        for (String p : preload) {
            if (!names.contains(p))
                throw new IllegalArgumentException(
                        "--preload " + p + ": no --model has that name (models: " + String.join(", ", names) + ")");
        }
        models = List.copyOf(models);
        preload = List.copyOf(preload);
        if (keepAlive == null) keepAlive = KeepAlive.FOREVER;
    }

    /** Models stay loaded until the room is needed. */
    public ModelsConfig(
            List<Spec> models,
            int maxLoaded,
            long memoryBudget,
            Path modelsDir,
            List<String> preload,
            Duration loadTimeout) {
        this(models, maxLoaded, memoryBudget, modelsDir, preload, loadTimeout, KeepAlive.FOREVER);
    }

    /** The same with {@code --keep-alive}. */
    public ModelsConfig withKeepAlive(Duration keepAlive) {
        return new ModelsConfig(models, maxLoaded, memoryBudget, modelsDir, preload, loadTimeout, keepAlive);
    }

    /** One model, loaded at start: what `fairway serve --model X` always did. */
    public static ModelsConfig single(String source) {
        Spec s = spec(source);
        return new ModelsConfig(List.of(s), 0, 0, null, List.of(s.name()), Duration.ZERO);
    }

    /**
     * From the flags. {@code preload} null = the default (first) model only; "all" and "none" are words too.
     */
    public static ModelsConfig of(List<String> models, int maxLoaded, List<String> preload, Duration loadTimeout) {
        return of(models, null, maxLoaded, 0, preload, loadTimeout);
    }

    /** As above, with the models found in {@code modelsDir} (null: none) after the named ones. */
    public static ModelsConfig of(
            List<String> models,
            Path modelsDir,
            int maxLoaded,
            long memoryBudget,
            List<String> preload,
            Duration loadTimeout) {
        List<Spec> specs = new ArrayList<>();
        for (String m : models) specs.add(spec(m));
        if (modelsDir != null) {
            for (Spec found : ModelsDir.scan(modelsDir)) {
                if (specs.stream().noneMatch(s -> s.name().equals(found.name()))) specs.add(found);
            }
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("--models-dir " + modelsDir
                        + ": no model in it (a model is a folder with config.json or a .gguf file)");
            }
        }
        if (specs.isEmpty())
            throw new IllegalArgumentException("--model (or FAIRWAY_MODEL) or --models-dir is required");
        List<String> pre = new ArrayList<>();
        if (preload == null || preload.isEmpty()) {
            pre.add(specs.getFirst().name());
        } else {
            for (String p : preload) {
                for (String one : p.split(",")) {
                    String n = one.strip();
                    if (n.equals("none") || n.isEmpty()) continue;
                    if (n.equals("all")) specs.forEach(s -> pre.add(s.name()));
                    else pre.add(n);
                }
            }
        }
        List<String> distinct = pre.stream().distinct().toList();
        if (maxLoaded > 0 && distinct.size() > maxLoaded) {
            throw new IllegalArgumentException(
                    "--preload names " + distinct.size() + " models but --max-loaded-models is " + maxLoaded);
        }
        return new ModelsConfig(specs, maxLoaded, memoryBudget, modelsDir, distinct, loadTimeout);
    }

    /**
     * {@code NAME=SOURCE}, or a source alone: then the name is the folder's or file's name (without .gguf) for a
     * local path, the source as given otherwise (a Hugging Face id, an Ollama name).
     */
    public static Spec spec(String arg) {
        int eq = arg.indexOf('=');
        if (eq > 0 && !arg.substring(0, eq).contains("/") && !Files.exists(Path.of(arg))) {
            String name = arg.substring(0, eq).strip(),
                    source = arg.substring(eq + 1).strip();
            if (source.isEmpty()) throw new IllegalArgumentException("--model " + arg + ": no source after '='");
            return new Spec(name, source);
        }
        return new Spec(defaultName(arg), arg);
    }

    static String defaultName(String source) {
        Path p = Path.of(source);
        boolean path = Files.exists(p)
                || source.startsWith("/")
                || source.startsWith(".")
                || source.startsWith("~")
                || source.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
        if (path && p.getFileName() != null) {
            String n = p.getFileName().toString();
            return n.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
        }
        return source;
    }

    public Spec defaultModel() {
        return models.getFirst();
    }
}
