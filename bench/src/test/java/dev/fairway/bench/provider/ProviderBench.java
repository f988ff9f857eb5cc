package dev.fairway.bench.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.cli.options.DefaultsFor;
import dev.fairway.langchain4j.LocalChatModel;
import dev.fairway.testkit.RandomWeights;
import dev.fairway.testkit.TestModels;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.jlama.JlamaChatModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * N threads calling {@code ChatModel.chat()} at once: Fairway's {@link LocalChatModel} vs langchain4j-jlama's
 * {@link JlamaChatModel}, same model folder and weights, same weight type, greedy. Prints aggregate output tok/s of
 * each (output tokens as each provider reports them / wall time of the concurrent round) and whether every concurrent
 * output equals the same prompt run alone. Run: {@code langchain4j-local-provider/bench.sh --json}.
 */
@Command(
        name = "bench-langchain4j",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = ProviderBench.Defaults.class,
        description = {
            "LocalChatModel vs JlamaChatModel: N threads calling chat() at once, greedy, same weights.",
            "--weights Q4 or F32 (default Q4): Fairway quantizes the F32 folder on load, jlama loads its own quantizeModel copy.",
            "--threads: compute threads for each provider (default 2)."
        })
public final class ProviderBench implements Callable<Integer> {

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "A model folder (HF layout). Default: random weights of --model-config.")
    Path model;

    @Option(
            names = "--model-config",
            paramLabel = "DIR",
            description = "Folder with config.json + tokenizer; seeded random weights are generated (cached). "
                    + "Default: <fairway.shared>/models/SmolLM2-135M-Instruct-config.")
    Path modelConfig;

    @Option(names = "--seed", defaultValue = "42", description = "Random-weights seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    ComputeOptions compute;

    static final class Defaults extends DefaultsFor {
        Defaults() {
            super("--weights", "${env:FAIRWAY_WEIGHTS:-Q4}", "--threads", "${env:FAIRWAY_THREADS:-2}");
        }
    }

    /** --weights and --threads as used. */
    private String weights;

    private int threads;

    @Option(
            names = "--clients",
            defaultValue = "8",
            description = "Concurrent chat() callers. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(
            names = "--max-tokens",
            defaultValue = "48",
            description = "Output tokens per request. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--skip-jlama", description = "Measure only LocalChatModel.")
    boolean skipJlama;

    @Option(names = "--skip-fairway", description = "Measure only JlamaChatModel.")
    boolean skipFairway;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    /** Prompt length in tokens (BOS and chat template included) after {@link #equalize}; jlama needs it. */
    private int maxPromptTokens = 64;

    private static int promptTokens(LocalChatModel m, String text) {
        return m.engine()
                .promptTokens(dev.fairway.engine.Prompt.chat(List.of(dev.fairway.engine.ChatMessage.user(text))))
                .length;
    }

    /**
     * Pads every prompt with " ." to the same token length (within 1), so both providers do the same work per
     * request: jlama's maxTokens bounds positions (prompt + output), one value for all requests of a model.
     */
    private void equalize(LocalChatModel m, List<String> prompts) {
        int target = 0;
        for (String p : prompts) target = Math.max(target, promptTokens(m, p));
        for (int i = 0; i < prompts.size(); i++) {
            String p = prompts.get(i);
            for (int guard = 0; promptTokens(m, p) < target && guard < 1000; guard++) p = p + " .";
            prompts.set(i, p);
            maxPromptTokens = Math.max(i == 0 ? 0 : maxPromptTokens, promptTokens(m, p));
        }
        List<Integer> lengths = prompts.stream().map(p -> promptTokens(m, p)).toList();
        log("prompt lengths in tokens: " + lengths);
        promptLengths = lengths;
    }

    private List<Integer> promptLengths = List.of();

    static final List<String> PROMPTS = List.of(
            "Write a short story about a lighthouse keeper.",
            "Explain how rainbows form.",
            "List three uses for a paperclip.",
            "What makes a good cup of tea?",
            "Describe a busy market in the morning.",
            "Give advice to a new gardener.",
            "Summarize the rules of chess.",
            "Why do cats purr?",
            "Plan a weekend trip to the mountains.",
            "Tell me about the history of bicycles.",
            "How do bees make honey?",
            "Describe your ideal library.");

    public static void main(String[] args) {
        int code = new CommandLine(new ProviderBench()).execute(args);
        System.out.flush();
        System.err.flush();
        // halt, not exit: jlama 0.8.4's native/worker threads can crash the JVM in shutdown (SIGSEGV seen once).
        Runtime.getRuntime().halt(code);
    }

    record Round(List<String> texts, long outputTokens, double seconds) {
        double tokPerSec() {
            return outputTokens / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        weights = compute.weights() == null ? "F32" : compute.weights();
        threads = compute.threadsOrCores();
        Path folder = model != null ? model.toAbsolutePath().normalize() : randomModel();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < clients; i++)
            prompts.add(PROMPTS.get(i % PROMPTS.size()) + (i >= PROMPTS.size() ? " (" + i + ")" : ""));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", folder.toString());
        out.put(
                "weights",
                weights
                        + (weights.equalsIgnoreCase("F32")
                                ? ""
                                : " (fairway quantizes the F32 folder on load; jlama loads the same folder quantized by its own quantizeModel)"));
        out.put("clients", clients);
        out.put("max_tokens", maxTokens);
        out.put("threads", threads);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("load_average_at_start", loadAverage());

        Map<String, Object> ours = null;
        if (!skipFairway)
            try (LocalChatModel local = LocalChatModel.builder()
                    .modelPath(folder)
                    .weightType(weights.equalsIgnoreCase("F32") ? null : weights.toUpperCase(Locale.ROOT))
                    .threads(threads)
                    .maxRunningSequences(Math.max(clients, 8))
                    .kvCacheTokens(clients * 1024)
                    .temperature(0.0)
                    .maxOutputTokens(maxTokens)
                    .build()) {
                log("loaded LocalChatModel on " + folder);
                equalize(local, prompts);
                ours = measure("fairway LocalChatModel", local, prompts);
                out.put("fairway", ours);
            }

        if (!skipJlama) {
            log("loading JlamaChatModel on " + folder);
            // jlama's maxTokens bounds positions: prompt (BOS included) + outputs. Prompts were equalized above.
            // jlama 0.8.4's quantize-on-load (builder.quantizeModelAtRuntime) fails on llama models ("I8 F32");
            // its normal Q4 path is a folder quantized by its own SafeTensorSupport.quantizeModel.
            Path jlamaFolder = weights.equalsIgnoreCase("F32") ? folder : jlamaQuantized(folder);
            JlamaChatModel jlama = JlamaChatModel.builder()
                    .modelCachePath(jlamaCache(jlamaFolder))
                    .modelName(jlamaFolder.getFileName().toString())
                    .threadCount(threads)
                    .temperature(0f)
                    .maxTokens(maxPromptTokens + maxTokens)
                    .build();
            Map<String, Object> theirs = measure("langchain4j-jlama JlamaChatModel", jlama, prompts);
            out.put("langchain4j_jlama", theirs);
            if (ours != null) {
                double ratio = (double) ours.get("aggregate_tok_s") / (double) theirs.get("aggregate_tok_s");
                out.put("aggregate_speedup", round(ratio));
                out.put("target_4x_met", ratio >= 4.0);
            }
        }
        out.put("prompt_tokens", promptLengths);
        out.put("load_average_at_end", loadAverage());

        if (json) {
            System.out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(out));
        } else {
            out.forEach((k, v) -> System.out.println(k + ": " + v));
        }
        return 0;
    }

    /**
     * langchain4j-jlama only loads through its download registry: it looks for {@code <cache>/na_<name>/.finished}
     * and otherwise asks huggingface.co. Stage the local folder there (symlinks, same files) so nothing is fetched.
     */
    private static Path jlamaCache(Path folder) throws java.io.IOException {
        Path cache = Files.createTempDirectory("fairway-jlama-cache-");
        Path dir = Files.createDirectories(cache.resolve("na_" + folder.getFileName()));
        try (var files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
            }
        }
        Files.createFile(dir.resolve(".finished"));
        return cache;
    }

    /** The F32 folder quantized to Q4 by jlama itself, cached as a sibling "-JQ4" (shared with `fairway bench engine`). */
    private static Path jlamaQuantized(Path dir) throws Exception {
        Path target = dir.resolveSibling(dir.getFileName() + "-JQ4");
        String marker = ".fairway-random-complete";
        if (Files.exists(target.resolve(marker))) return target;
        if (!Files.exists(dir.resolve("README.md"))) Files.writeString(dir.resolve("README.md"), "# Model\n");
        Path tmp = Files.createTempDirectory(dir.getParent(), target.getFileName() + ".tmp-");
        com.github.tjake.jlama.safetensors.SafeTensorSupport.quantizeModel(
                dir, com.github.tjake.jlama.safetensors.DType.Q4, null, null, java.util.Optional.of(tmp));
        Files.writeString(tmp.resolve(marker), "jlama quantizeModel Q4 of " + dir + "\n");
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private Path randomModel() {
        Path cfg = modelConfig != null ? modelConfig : TestModels.model("SmolLM2-135M-Instruct-config");
        if (!Files.isDirectory(cfg)) throw new IllegalArgumentException("no model config folder " + cfg);
        log("materializing random weights of " + cfg + " (seed " + seed + ", cached)");
        return RandomWeights.materialize(cfg.toAbsolutePath().normalize(), seed);
    }

    private Map<String, Object> measure(String name, ChatModel model, List<String> prompts) throws Exception {
        log(name + ": warm-up");
        model.chat(UserMessage.from("Hello"));
        log(name + ": each prompt alone");
        Round alone = sequential(model, prompts);
        log(String.format(
                Locale.ROOT,
                "%s: alone %.2f tok/s (%d tokens in %.1f s)",
                name,
                alone.tokPerSec(),
                alone.outputTokens(),
                alone.seconds()));
        boolean deterministic = model.chat(UserMessage.from(prompts.get(0)))
                .aiMessage()
                .text()
                .equals(alone.texts().get(0));
        log(name + ": " + prompts.size() + " threads at once");
        Round together = concurrent(model, prompts);
        int matches = 0;
        List<Integer> mismatched = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            if (together.texts().get(i).equals(alone.texts().get(i))) matches++;
            else mismatched.add(i);
        }
        log(String.format(
                Locale.ROOT,
                "%s: concurrent %.2f tok/s (%d tokens in %.1f s), %d/%d equal alone",
                name,
                together.tokPerSec(),
                together.outputTokens(),
                together.seconds(),
                matches,
                prompts.size()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("single_stream_tok_s", round(alone.tokPerSec()));
        m.put("aggregate_tok_s", round(together.tokPerSec()));
        m.put("concurrent_output_tokens", together.outputTokens());
        m.put("alone_output_tokens", alone.outputTokens());
        m.put("concurrent_seconds", round(together.seconds()));
        m.put("outputs_equal_alone", matches + "/" + prompts.size());
        m.put("all_equal_alone", matches == prompts.size());
        m.put("mismatched_prompts", mismatched);
        m.put("alone_run_twice_equal", deterministic);
        return m;
    }

    private static Round sequential(ChatModel model, List<String> prompts) {
        List<String> texts = new ArrayList<>();
        long tokens = 0;
        long t0 = System.nanoTime();
        for (String p : prompts) {
            ChatResponse r = model.chat(UserMessage.from(p));
            texts.add(r.aiMessage().text());
            tokens += r.metadata().tokenUsage().outputTokenCount();
        }
        return new Round(texts, tokens, (System.nanoTime() - t0) / 1e9);
    }

    private static Round concurrent(ChatModel model, List<String> prompts) throws Exception {
        CyclicBarrier start = new CyclicBarrier(prompts.size() + 1);
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            List<Future<ChatResponse>> futures = new ArrayList<>();
            for (String p : prompts) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return model.chat(UserMessage.from(p));
                }));
            }
            start.await();
            long t0 = System.nanoTime();
            List<String> texts = new ArrayList<>();
            long tokens = 0;
            for (Future<ChatResponse> f : futures) {
                ChatResponse r = f.get(30, TimeUnit.MINUTES);
                texts.add(r.aiMessage().text());
                tokens += r.metadata().tokenUsage().outputTokenCount();
            }
            return new Round(texts, tokens, (System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    private void log(String s) {
        System.err.println("[bench] " + s);
    }
}
