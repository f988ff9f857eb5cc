package dev.fairway.bench.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.cli.options.DefaultsFor;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.testkit.RandomWeights;
import dev.fairway.testkit.TestModels;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway bench engine`: Fairway's engine vs jlama's own {@code AbstractModel.generate()} on the same seeded random
 * weights of real architectures (no downloads), same weight type, same greedy decoding with EOS ignored, in one JVM.
 * Measures prefill tok/s (one long prompt), single-stream decode tok/s and aggregate output tok/s of N concurrent
 * streams, and checks that every concurrent output equals the same prompt run alone.
 */
@Command(
        name = "engine",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = EngineBenchCommand.Defaults.class,
        description = {
            "Engine throughput vs jlama generate() on seeded random weights of real architectures.",
            "Prefill tok/s, single-stream decode tok/s, aggregate tok/s of N concurrent greedy streams (EOS ignored),",
            "and outputs_match_alone (each concurrent output equals that prompt run alone).",
            "--weights Q4, Q8 or F32 (default Q4): Fairway quantizes the F32 file on load; jlama loads a copy made by its",
            "own quantizeModel (cached; 0.8.4 quantize-on-load is broken). --threads: Fairway's worker threads."
        })
public final class EngineBenchCommand implements Callable<Integer> {

    @Option(
            names = "--model-config",
            paramLabel = "DIR",
            description =
                    "Folder with config.json + tokenizer (weights are generated). Repeatable. "
                            + "Default: SmolLM2-135M-Instruct-config and TinyLlama-1.1B-Chat-v1.0-config from the shared models folder.")
    List<Path> modelConfigs;

    @Mixin
    ComputeOptions compute;

    static final class Defaults extends DefaultsFor {
        Defaults() {
            super("--weights", "${env:FAIRWAY_WEIGHTS:-Q4}");
        }
    }

    /** --weights, upper case. */
    String weights;

    @Option(
            names = "--n",
            split = ",",
            defaultValue = "1,4,8,16",
            description = "Concurrent stream counts. Default: ${DEFAULT-VALUE}.")
    List<Integer> ns;

    @Option(
            names = "--tokens",
            defaultValue = "128",
            description = "Output tokens per stream. Default: ${DEFAULT-VALUE}.")
    int tokens;

    @Option(
            names = "--tokens-large",
            defaultValue = "16",
            description =
                    "Output tokens per stream for models over 500M parameters (jlama is slow there; both systems use it). "
                            + "Default: ${DEFAULT-VALUE}; 0 = same as --tokens.")
    int tokensLarge;

    @Option(
            names = "--prompt-tokens",
            defaultValue = "512",
            description = "Prompt length (incl. BOS) for the prefill measurement. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--skip-jlama", description = "Only measure Fairway.")
    boolean skipJlama;

    @Option(names = "--skip-fairway", description = "Only measure jlama.")
    boolean skipFairway;

    @Option(
            names = "--jlama-in-process",
            hidden = true,
            description = "Run jlama in this JVM (default: a child JVM, because jlama-native can crash the process).")
    boolean jlamaInProcess;

    @Option(
            names = "--jlama-retries",
            defaultValue = "4",
            description =
                    "Start jlama's child JVM again this many times after a crash, for the rows it had not measured. "
                            + "Default: ${DEFAULT-VALUE}.")
    int jlamaRetries;

    @Option(
            names = "--jlama-silence-minutes",
            defaultValue = "10",
            description =
                    "Stop jlama's child JVM when it reports nothing for this long (concurrent generate() calls can "
                            + "deadlock in jlama). Default: ${DEFAULT-VALUE}.")
    int jlamaSilenceMinutes;

    @Option(
            names = "--jlama-concurrent-only",
            hidden = true,
            description = "Child JVM of a retry: only the concurrent rows.")
    boolean concurrentOnly;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(
            names = "--gguf",
            split = ",",
            paramLabel = "TYPE",
            description = "Instead of jlama: also write the random weights as GGUF files of these types (Q4_K_M, Q8_0, "
                    + "Q6_K, Q4_K, F32; cached beside them, tokenizer from a shared GGUF file with the same "
                    + "vocabulary) and measure Fairway loading each (default load: Q8 panels) next to the folder at "
                    + "Q4 and Q8, two rounds in opposite orders.")
    List<String> ggufTypes;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the random weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    private static final ObjectMapper JSON = new ObjectMapper();
    private PrintStream out;

    /** One measured cell. */
    record Result(
            String system,
            String model,
            String weights,
            String mode,
            int n,
            int tokensPerStream,
            int promptTokens,
            double tokensPerSecond,
            Boolean outputsMatchAlone) {}

    @Override
    public Integer call() throws Exception {
        out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        weights = compute.weights();
        if (weights == null || !List.of("Q4", "Q8", "F32").contains(weights)) {
            System.err.println("--weights must be Q4, Q8 or F32");
            return 2;
        }
        if (ns.stream().anyMatch(n -> n < 1) || tokens < 2 || promptTokens < 2) {
            System.err.println("--n values must be >= 1, --tokens and --prompt-tokens >= 2");
            return 2;
        }
        List<Path> configs = modelConfigs != null && !modelConfigs.isEmpty() ? modelConfigs : defaultConfigs();
        if (ggufTypes != null && !ggufTypes.isEmpty()) {
            skipJlama = true;
            for (String t : ggufTypes) GgufVariants.typeOf(t);
        }
        int fwThreads = compute.threadsOrCores();
        note(String.format(
                Locale.ROOT,
                "# fairway bench engine: weights %s, n %s, prompt %d tokens, seed %d, fairway threads %d, "
                        + "jlama threads %d (its default), %d cores",
                weights,
                ns,
                promptTokens,
                seed,
                fwThreads,
                Math.max(2, Runtime.getRuntime().availableProcessors() / 2),
                Runtime.getRuntime().availableProcessors()));
        for (Path cfgDir : configs) {
            long t0 = System.nanoTime();
            Path dir = RandomWeights.materialize(cfgDir, seed);
            String name = cfgDir.getFileName().toString().replaceAll("-config$", "");
            JsonNode cfg = JSON.readTree(dir.resolve("config.json").toFile());
            long params = parameterCount(cfg);
            int perStream = params > 500_000_000L && tokensLarge > 0 ? Math.min(tokens, tokensLarge) : tokens;
            note(String.format(
                    Locale.ROOT,
                    "# %s: %.0fM params, random weights in %s (%.1f s)%s",
                    name,
                    params / 1e6,
                    dir,
                    (System.nanoTime() - t0) / 1e9,
                    perStream != tokens
                            ? "; " + perStream + " tokens per stream instead of " + tokens
                                    + " (model over 500M params, --tokens-large)"
                            : ""));

            Tokenizer tok = jlamaTokenizer(dir);
            int bos = cfg.path("bos_token_id").asInt(1);
            Workload w = workload(
                    tok,
                    bos,
                    promptTokens,
                    ns.stream().mapToInt(Integer::intValue).max().orElse(1));
            note(String.format(
                    Locale.ROOT,
                    "# %s: prefill prompt %d tokens (incl. BOS); concurrent prompts %d-%d tokens",
                    name,
                    w.longTokens.length,
                    Arrays.stream(w.shortTokens).mapToInt(a -> a.length).min().orElse(0),
                    Arrays.stream(w.shortTokens).mapToInt(a -> a.length).max().orElse(0)));

            Callable<List<Result>> jlama = () -> skipJlama
                    ? List.of()
                    : jlamaInProcess ? runJlama(name, dir, w, perStream) : runJlamaChild(cfgDir, name);
            if (ggufTypes != null && !ggufTypes.isEmpty()) {
                runGgufVariants(name, dir, w, perStream, fwThreads);
                continue;
            }
            List<Result> jl = new ArrayList<>();
            List<Result> fw = skipFairway
                    ? List.of()
                    : runFairway(
                            name,
                            dir.toString(),
                            weights,
                            weights,
                            w,
                            perStream,
                            fwThreads,
                            () -> jl.addAll(jlama.call()));
            if (skipFairway) jl.addAll(jlama.call());
            if (!json) printTable(fw, jl);
        }
        return 0;
    }

    // ---------------------------------------------------------------- workload

    /** Prompts as jlama will tokenize them: text for jlama, the same token ids (BOS first) for Fairway. */
    record Workload(String longText, int[] longTokens, String[] shortTexts, int[][] shortTokens) {}

    private static final String[] WORDS = ("the a little cat dog bird tree house river mountain city garden ship train "
                    + "old new big small red blue green happy quiet bright dark warm cold fast slow good strange friendly "
                    + "runs walks sees finds builds paints sings reads writes opens closes carries watches remembers "
                    + "over under near behind across through into from with without after before during and but so "
                    + "morning evening night summer winter story song letter window door road bridge market school")
            .split(" ");

    static Workload workload(Tokenizer tok, int bos, int promptTokens, int maxN) {
        Random r = new Random(1234);
        StringBuilder sb = new StringBuilder();
        List<Integer> wordEnds = new ArrayList<>();
        // enough words for the prompt: roughly one token per word, plus slack
        for (int i = 0; i < promptTokens * 2 + 64; i++) {
            if (i > 0) sb.append(i % 12 == 0 ? ". " : " ");
            String wd = WORDS[r.nextInt(WORDS.length)];
            sb.append(i % 12 == 0 ? Character.toUpperCase(wd.charAt(0)) + wd.substring(1) : wd);
            wordEnds.add(sb.length());
        }
        String full = sb.toString();
        // largest word count whose encoding (+ BOS) fits promptTokens: encoded length grows with the word count
        int lo = 1, hi = wordEnds.size();
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (encode(tok, bos, full.substring(0, wordEnds.get(mid - 1))).length <= promptTokens) lo = mid;
            else hi = mid - 1;
        }
        String longText = full.substring(0, wordEnds.get(lo - 1));
        String[] shortTexts = new String[maxN];
        int[][] shortTokens = new int[maxN][];
        for (int i = 0; i < maxN; i++) {
            StringBuilder s = new StringBuilder("Story " + (i + 1) + ":");
            int words = 10 + r.nextInt(10);
            for (int k = 0; k < words; k++) s.append(' ').append(WORDS[r.nextInt(WORDS.length)]);
            shortTexts[i] = s.toString();
            shortTokens[i] = encode(tok, bos, shortTexts[i]);
        }
        return new Workload(longText, encode(tok, bos, longText), shortTexts, shortTokens);
    }

    /** Exactly what jlama's generate() feeds: BOS, then the encoding with a leading BOS removed. */
    static int[] encode(Tokenizer tok, int bos, String text) {
        long[] enc = tok.encode(text);
        if (enc.length > 0 && enc[0] == bos) enc = Arrays.copyOfRange(enc, 1, enc.length);
        int[] ids = new int[enc.length + 1];
        ids[0] = bos;
        for (int i = 0; i < enc.length; i++) ids[i + 1] = Math.toIntExact(enc[i]);
        return ids;
    }

    static Tokenizer jlamaTokenizer(Path dir) throws Exception {
        ModelSupport.ModelType type =
                SafeTensorSupport.detectModel(dir.resolve("config.json").toFile());
        return type.tokenizerClass.getConstructor(Path.class).newInstance(dir);
    }

    static long parameterCount(JsonNode c) {
        long h = c.get("hidden_size").asLong(), ff = c.get("intermediate_size").asLong();
        long heads = c.get("num_attention_heads").asLong(),
                kvHeads = c.path("num_key_value_heads").asLong(heads);
        long hd = c.hasNonNull("head_dim") ? c.get("head_dim").asLong() : h / heads;
        long v = c.get("vocab_size").asLong(),
                layers = c.get("num_hidden_layers").asLong();
        boolean tied = c.path("tie_word_embeddings").asBoolean(false);
        long perLayer = h * heads * hd * 2 + 2 * h * kvHeads * hd + 3 * h * ff + 2 * h;
        return v * h * (tied ? 1 : 2) + layers * perLayer + h;
    }

    // ---------------------------------------------------------------- Fairway

    /**
     * Fairway's rows, measured twice with the engine kept open: before {@code between} (jlama's rows) and after it,
     * each row reported as the mean of the two. This VM's speed drifts by tens of percent within minutes; bracketing
     * jlama's measurement makes a drift move both systems' figures alike instead of skewing their ratio.
     */
    private List<Result> runFairway(
            String model,
            String source,
            String weightType,
            String label,
            Workload w,
            int perStream,
            int fwThreads,
            Callable<?> between)
            throws Exception {
        int maxN = ns.stream().mapToInt(Integer::intValue).max().orElse(1);
        int maxShort =
                Arrays.stream(w.shortTokens).mapToInt(a -> a.length).max().orElse(0);
        int kvTokens = (int) (1.25 * Math.max(w.longTokens.length + 2, maxN * (maxShort + perStream + 16))) + 256;
        EngineConfig config = EngineConfig.builder()
                .model(source)
                .weightType(weightType)
                .threads(fwThreads)
                .kvCacheTokens(kvTokens)
                .maxRunningSequences(Math.max(32, maxN))
                .prefixCaching(false)
                .build();
        long t0 = System.nanoTime();
        try (Engine engine = Engine.open(config)) {
            note(String.format(
                    Locale.ROOT,
                    "# fairway: loaded %s as %s in %.1f s (prefix caching off, kv %d tokens)",
                    model,
                    engine.modelInfo().weightType(),
                    (System.nanoTime() - t0) / 1e9,
                    kvTokens));
            // feed exactly jlama's token ids; drop our BOS if the engine adds its own to token prompts
            boolean engineAddsBos =
                    engine.promptTokens(Prompt.tokens(w.shortTokens[0])).length == w.shortTokens[0].length + 1;
            FairwayRound round = new FairwayRound(
                    engine,
                    model,
                    label,
                    w,
                    perStream,
                    ids -> Prompt.tokens(engineAddsBos ? Arrays.copyOfRange(ids, 1, ids.length) : ids));

            // warm-up (JIT): one short prefill + a few decode steps, one small concurrent batch
            fairwayGenerate(engine, round.prompt.apply(w.shortTokens[0]), 8);
            CompletableFuture.allOf(java.util.stream.IntStream.range(0, Math.min(4, maxN))
                            .mapToObj(i -> fairwaySubmit(engine, round.prompt.apply(w.shortTokens[i]), 4))
                            .toArray(CompletableFuture[]::new))
                    .join();
            // every prompt alone: the reference outputs of the concurrent rows
            round.alone = new int[maxN][];
            for (int i = 0; i < maxN; i++) {
                round.alone[i] = fairwayGenerate(engine, round.prompt.apply(w.shortTokens[i]), perStream)
                        .first()
                        .tokenIds();
            }

            List<Result> first = round.measure(1);
            between.call();
            List<Result> results = new ArrayList<>();
            if (skipJlama) {
                first.forEach(r -> add(results, r));
                return results;
            }
            List<Result> second = round.measure(2);
            for (int i = 0; i < first.size(); i++) {
                Result a = first.get(i), b = second.get(i);
                add(
                        results,
                        new Result(
                                a.system(),
                                a.model(),
                                a.weights(),
                                a.mode(),
                                a.n(),
                                a.tokensPerStream(),
                                a.promptTokens(),
                                (a.tokensPerSecond() + b.tokensPerSecond()) / 2,
                                a.outputsMatchAlone() && b.outputsMatchAlone()));
            }
            return results;
        }
    }

    /** One pass over Fairway's rows on an open engine. */
    private final class FairwayRound {
        final Engine engine;
        final String model;
        final String label;
        final Workload w;
        final int perStream;
        final Function<int[], Prompt> prompt;
        int[][] alone;

        FairwayRound(
                Engine engine, String model, String label, Workload w, int perStream, Function<int[], Prompt> prompt) {
            this.engine = engine;
            this.model = model;
            this.label = label;
            this.w = w;
            this.perStream = perStream;
            this.prompt = prompt;
        }

        List<Result> measure(int round) {
            List<Result> results = new ArrayList<>();
            // prefill: time from first scheduled to first token, best of 2
            double bestPrefill = 0;
            int[] firstTokens = new int[2];
            for (int rep = 0; rep < 2; rep++) {
                GenerationResult r = fairwayGenerate(engine, prompt.apply(w.longTokens), 1);
                double secs = (r.timings().firstTokenNanos() - r.timings().queuedNanos()) / 1e9;
                bestPrefill = Math.max(bestPrefill, w.longTokens.length / secs);
                firstTokens[rep] = r.first().tokenIds()[0];
            }
            results.add(progress(
                    round,
                    new Result(
                            "fairway",
                            model,
                            label,
                            "prefill",
                            1,
                            1,
                            w.longTokens.length,
                            bestPrefill,
                            firstTokens[0] == firstTokens[1])));

            // single-stream decode: prompt 0 alone
            GenerationResult one = fairwayGenerate(engine, prompt.apply(w.shortTokens[0]), perStream);
            long[] tt = one.timings().tokenTimesNanos();
            double decode = (tt.length - 1) / ((tt[tt.length - 1] - tt[0]) / 1e9);
            results.add(progress(
                    round,
                    new Result(
                            "fairway",
                            model,
                            label,
                            "decode",
                            1,
                            perStream,
                            w.shortTokens[0].length,
                            decode,
                            Arrays.equals(one.first().tokenIds(), alone[0]))));

            for (int n : ns) {
                long start = System.nanoTime();
                List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
                for (int i = 0; i < n; i++) fs.add(fairwaySubmit(engine, prompt.apply(w.shortTokens[i]), perStream));
                CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
                double secs = (System.nanoTime() - start) / 1e9;
                long total = 0;
                boolean match = true;
                for (int i = 0; i < n; i++) {
                    int[] ids = fs.get(i).join().first().tokenIds();
                    total += ids.length;
                    match &= Arrays.equals(ids, alone[i]);
                }
                results.add(progress(
                        round,
                        new Result("fairway", model, label, "concurrent", n, perStream, 0, total / secs, match)));
            }
            return results;
        }

        private Result progress(int round, Result r) {
            if (!skipJlama)
                System.err.printf(
                        Locale.ROOT,
                        "# fairway %s %s n=%d, round %d: %.1f tok/s%n",
                        r.model(),
                        r.mode(),
                        r.n(),
                        round,
                        r.tokensPerSecond());
            return r;
        }
    }

    private static CompletableFuture<GenerationResult> fairwaySubmit(Engine engine, Prompt prompt, int maxTokens) {
        SamplingParams p = SamplingParams.builder()
                .maxTokens(maxTokens)
                .temperature(0)
                .ignoreEos(true)
                .build();
        return engine.submit(GenerationRequest.of(prompt, p), GenerationListener.NONE)
                .result()
                .thenApply(r -> {
                    if (r.first().error() != null)
                        throw new IllegalStateException(
                                "fairway generation failed: " + r.first().error());
                    return r;
                });
    }

    private static GenerationResult fairwayGenerate(Engine engine, Prompt prompt, int maxTokens) {
        return fairwaySubmit(engine, prompt, maxTokens).join();
    }

    // ---------------------------------------------------------------- jlama

    private List<Result> runJlama(String model, Path dir, Workload w, int perStream) throws Exception {
        long t0 = System.nanoTime();
        Path jdir = switch (weights) {
            case "Q4" -> jlamaQuantized(dir, DType.Q4);
            case "Q8" -> jlamaQuantized(dir, DType.I8);
            default -> dir;
        };
        double quantSecs = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        AbstractModel m =
                ModelSupport.loadModel(jdir.toFile(), null, DType.F32, DType.I8, Optional.empty(), Optional.empty());
        List<Result> results = new ArrayList<>();
        try {
            boolean eosOff = disableEos(m.getConfig());
            note(String.format(
                    Locale.ROOT,
                    "# jlama: %s loaded from %s in %.1f s (its own quantizeModel: %.1f s)%s",
                    model,
                    jdir.getFileName(),
                    (System.nanoTime() - t0) / 1e9,
                    quantSecs,
                    eosOff ? "" : " (WARNING: could not disable EOS; streams may stop early)"));

            // warm-up
            jlamaGenerate(m, w.shortTexts[0], w.shortTokens[0].length, 8);

            if (!concurrentOnly) {
                // prefill: jlama's own prompt batch time, best of 2 (ntokens = prompt length: no decode steps)
                double bestPrefill = 0;
                String[] first = new String[2];
                for (int rep = 0; rep < 2; rep++) {
                    Generator.Response r =
                            m.generate(UUID.randomUUID(), PromptContext.of(w.longText), 0f, w.longTokens.length);
                    bestPrefill = Math.max(bestPrefill, w.longTokens.length / (Math.max(1, r.promptTimeMs) / 1e3));
                    first[rep] = r.responseTextWithSpecialTokens;
                }
                add(
                        results,
                        new Result(
                                "jlama",
                                model,
                                weights,
                                "prefill",
                                1,
                                1,
                                w.longTokens.length,
                                bestPrefill,
                                first[0].equals(first[1])));
            }

            int maxN = ns.stream().mapToInt(Integer::intValue).max().orElse(1);
            String[] alone = new String[maxN];
            double decode = 0;
            for (int i = 0; i < maxN; i++) {
                Generator.Response r = jlamaGenerate(m, w.shortTexts[i], w.shortTokens[i].length, perStream);
                alone[i] = r.responseTextWithSpecialTokens;
                if (i == 0) decode = r.generatedTokens / (Math.max(1, r.generateTimeMs) / 1e3);
            }
            if (!concurrentOnly) {
                add(
                        results,
                        new Result(
                                "jlama",
                                model,
                                weights,
                                "decode",
                                1,
                                perStream,
                                w.shortTokens[0].length,
                                decode,
                                true));
            }

            for (int n : ns) {
                ExecutorService pool = Executors.newFixedThreadPool(n);
                try {
                    long start = System.nanoTime();
                    List<Future<Generator.Response>> fs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int k = i;
                        fs.add(pool.submit(
                                () -> jlamaGenerate(m, w.shortTexts[k], w.shortTokens[k].length, perStream)));
                    }
                    List<Generator.Response> rs = new ArrayList<>();
                    for (Future<Generator.Response> f : fs) rs.add(f.get());
                    double secs = (System.nanoTime() - start) / 1e9;
                    long total = 0;
                    boolean match = true;
                    for (int i = 0; i < n; i++) {
                        total += rs.get(i).generatedTokens + 1; // + the token sampled from the prompt pass
                        match &= rs.get(i).responseTextWithSpecialTokens.equals(alone[i]);
                    }
                    add(
                            results,
                            new Result("jlama", model, weights, "concurrent", n, perStream, 0, total / secs, match));
                } finally {
                    pool.shutdownNow();
                }
            }
        } finally {
            m.close();
        }
        return results;
    }

    /**
     * The F32 folder quantized by jlama's own {@code SafeTensorSupport.quantizeModel} (cached next to it as -JQ4/-JI8).
     * jlama 0.8.4's quantize-on-load ({@code loadModel(..., Optional.of(Q4), ...)}) cannot be used: it leaves the
     * row-sharded q/k/v/gate/up weights in F32 ("Quantizing sparse tensor is not supported") and then fails with
     * "UnsupportedOperationException: I8 F32". Loading a pre-quantized folder is jlama's normal Q4 path.
     */
    static Path jlamaQuantized(Path dir, DType type) throws Exception {
        Path target = dir.resolveSibling(dir.getFileName() + "-J" + type.name());
        if (Files.exists(target.resolve(RandomWeights.DONE_MARKER))) return target;
        if (!Files.exists(dir.resolve("README.md"))) Files.writeString(dir.resolve("README.md"), "# Random weights\n");
        Path tmp = Files.createTempDirectory(dir.getParent(), target.getFileName() + ".tmp-");
        try {
            SafeTensorSupport.quantizeModel(dir, type, null, null, Optional.of(tmp));
            Files.writeString(
                    tmp.resolve(RandomWeights.DONE_MARKER), "jlama quantizeModel " + type + " of " + dir + "\n");
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            RandomWeights.deleteRecursively(tmp);
        }
        return target;
    }

    /**
     * Runs the jlama half in a child JVM (same classpath and JVM flags) and collects its JSON lines: a SIGSEGV in
     * jlama-native (seen with concurrent generate() calls) loses only the rows not yet measured, and a fresh child
     * (up to --jlama-retries) measures those, so one crash at N=8 does not leave N=16 without a figure.
     */
    private List<Result> runJlamaChild(Path cfgDir, String model) throws Exception {
        List<Result> results = new ArrayList<>();
        List<Integer> todo = new ArrayList<>(ns);
        for (int attempt = 0; attempt <= jlamaRetries && !todo.isEmpty(); attempt++) {
            if (attempt > 0)
                note("# jlama: starting a fresh child JVM for n " + todo + " (retry " + attempt + " of " + jlamaRetries
                        + ")");
            int code = runJlamaChildOnce(cfgDir, model, todo, attempt > 0, results);
            for (Result r : results) if (r.mode().equals("concurrent")) todo.remove(Integer.valueOf(r.n()));
            if (code == 0) break;
            note("# jlama: child JVM exited with code " + code
                    + (code == 134
                            ? " (crashed; report in " + System.getProperty("java.io.tmpdir")
                                    + "/fairway-bench-jlama-hs_err_<pid>.log)"
                            : "")
                    + (todo.isEmpty() ? "" : "; not measured yet: n " + todo));
        }
        return results;
    }

    private int runJlamaChildOnce(
            Path cfgDir, String model, List<Integer> childNs, boolean concurrentRowsOnly, List<Result> results)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:ErrorFile")) cmd.add(a);
        }
        cmd.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "fairway-bench-jlama-hs_err_%p.log"));
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                EngineBenchCommand.class.getName(),
                "--model-config",
                cfgDir.toString(),
                "--weights",
                weights,
                "--n",
                String.join(",", childNs.stream().map(String::valueOf).toList()),
                "--tokens",
                Integer.toString(tokens),
                "--tokens-large",
                Integer.toString(tokensLarge),
                "--prompt-tokens",
                Integer.toString(promptTokens),
                "--seed",
                Long.toString(seed),
                "--skip-fairway",
                "--jlama-in-process",
                "--json"));
        if (concurrentRowsOnly) cmd.add("--jlama-concurrent-only");
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        java.util.concurrent.atomic.AtomicLong lastLine = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
            long limit = java.util.concurrent.TimeUnit.MINUTES.toNanos(jlamaSilenceMinutes);
            try {
                while (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (System.nanoTime() - lastLine.get() > limit) {
                        note("# jlama: child JVM reported nothing for " + jlamaSilenceMinutes
                                + " min (hung); stopping it");
                        p.destroyForcibly();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (var in =
                new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lastLine.set(System.nanoTime());
                if (!line.startsWith("{")) {
                    if (line.startsWith("#")) System.err.println("# jlama child: " + line); // e.g. a JVM crash banner
                    continue;
                }
                JsonNode j = JSON.readTree(line);
                Result r = new Result(
                        j.get("system").asText(),
                        model,
                        j.get("weights").asText(),
                        j.get("mode").asText(),
                        j.get("n").asInt(),
                        j.path("tokens_per_stream").asInt(),
                        j.path("prompt_tokens").asInt(),
                        j.get("tokens_per_s").asDouble(),
                        j.get("outputs_match_alone").asBoolean());
                results.add(r);
                if (json) emit(r);
            }
        }
        int code = p.waitFor();
        watchdog.interrupt();
        return code;
    }

    /** Entry point of the child JVM (and a convenience for running the bench without the fairway launcher). */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new EngineBenchCommand()).execute(args));
    }

    /** jlama's generate(): ntokens bounds positions; it returns 1 + (ntokens - promptLength) tokens. */
    private static Generator.Response jlamaGenerate(AbstractModel m, String text, int promptLength, int outTokens) {
        return m.generate(UUID.randomUUID(), PromptContext.of(text), 0f, promptLength + outTokens - 1);
    }

    /** jlama has no ignore-EOS switch: empty the config's EOS list so every stream runs its full length. */
    static boolean disableEos(Config c) {
        try {
            Field f = Config.class.getDeclaredField("eosTokens");
            f.setAccessible(true);
            f.set(c, List.of());
            return c.eosTokens.isEmpty();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- GGUF

    /**
     * The folder at Q4 and Q8 and each GGUF file, loaded one after another in two rounds of opposite order (the VM's
     * speed drifts), each row reported as the mean of its two rounds.
     */
    private void runGgufVariants(String name, Path dir, Workload w, int perStream, int threads) throws Exception {
        record Variant(String label, String source, String weightType) {}
        List<Variant> variants = new ArrayList<>(
                List.of(new Variant("Q4", dir.toString(), "Q4"), new Variant("Q8", dir.toString(), "Q8")));
        for (String t : ggufTypes) {
            long t0 = System.nanoTime();
            Path file = GgufVariants.file(dir, t);
            note(String.format(
                    Locale.ROOT, "# %s: GGUF %s %s (%.1f s)", name, t, file, (System.nanoTime() - t0) / 1e9));
            variants.add(new Variant(t, file.toString(), null));
        }
        Map<String, List<Result>> rounds = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            List<Variant> order = new ArrayList<>(variants);
            if (round == 1) java.util.Collections.reverse(order);
            for (Variant v : order) {
                List<Result> r =
                        runFairway(name, v.source(), v.weightType(), v.label(), w, perStream, threads, () -> null);
                rounds.computeIfAbsent(v.label(), k -> new ArrayList<>()).addAll(r);
            }
        }
        GgufVariants.printTable(out, rounds);
    }

    // ---------------------------------------------------------------- output

    private void note(String line) {
        if (json) System.err.println(line);
        else out.println(line);
    }

    private void add(List<Result> results, Result r) {
        results.add(r);
        if (json) emit(r);
        else
            System.err.printf(
                    Locale.ROOT,
                    "# %s %s %s n=%d: %.1f tok/s%n",
                    r.system(),
                    r.model(),
                    r.mode(),
                    r.n(),
                    r.tokensPerSecond());
    }

    private void emit(Result r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("system", r.system());
        o.put("model", r.model());
        o.put("weights", r.weights());
        o.put("mode", r.mode());
        o.put("n", r.n());
        o.put("tokens_per_s", Math.round(r.tokensPerSecond() * 100) / 100.0);
        o.put("outputs_match_alone", r.outputsMatchAlone());
        o.put("tokens_per_stream", r.tokensPerStream());
        if (r.promptTokens() > 0) o.put("prompt_tokens", r.promptTokens());
        out.println(o);
    }

    private void printTable(List<Result> fw, List<Result> jl) {
        Map<String, Result[]> rows = new LinkedHashMap<>();
        for (Result r : fw) rows.computeIfAbsent(r.mode() + "/" + r.n(), k -> new Result[2])[0] = r;
        for (Result r : jl) rows.computeIfAbsent(r.mode() + "/" + r.n(), k -> new Result[2])[1] = r;
        out.println(String.format(
                Locale.ROOT,
                "%-26s %-4s %-10s %3s %6s %13s %13s %8s %7s %7s",
                "model",
                "wts",
                "mode",
                "n",
                "tokens",
                "fairway tok/s",
                "jlama tok/s",
                "fw/jlama",
                "fw ok",
                "jl ok"));
        for (Result[] pair : rows.values()) {
            Result f = pair[0], j = pair[1], any = f != null ? f : j;
            String tokensCol =
                    any.mode().equals("prefill") ? any.promptTokens() + "p" : Integer.toString(any.tokensPerStream());
            out.println(String.format(
                    Locale.ROOT,
                    "%-26s %-4s %-10s %3d %6s %13s %13s %8s %7s %7s",
                    any.model(),
                    any.weights(),
                    any.mode(),
                    any.n(),
                    tokensCol,
                    f == null ? "-" : String.format(Locale.ROOT, "%.1f", f.tokensPerSecond()),
                    j == null ? (skipJlama ? "-" : "n/a") : String.format(Locale.ROOT, "%.1f", j.tokensPerSecond()),
                    f == null || j == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.2fx", f.tokensPerSecond() / j.tokensPerSecond()),
                    f == null ? "-" : f.outputsMatchAlone(),
                    j == null ? "-" : j.outputsMatchAlone()));
        }
        bestAggregateLine(fw, jl).ifPresent(out::println);
        if (!skipJlama && !skipFairway && jl.size() < fw.size()) {
            out.println(
                    "# jlama n/a = not measured: its process crashed or hung before that row, also on retry (see the notes above).");
        }
        out.println(
                "# prefill = prompt tokens / prefill time (fairway: first scheduled -> first token; jlama: its prompt batch time), best of 2;");
        out.println(
                "# decode = single stream, tokens after the first / time; concurrent = all output tokens / wall time incl. prefill.");
        if (!skipJlama && !skipFairway) {
            out.println(
                    "# fairway = mean of two rounds, measured before and after jlama's rows (this VM's speed drifts).");
        }
        out.println(
                "# ok = outputs_match_alone (concurrent: every stream equals its prompt run alone; prefill: 2 runs agree).");
    }

    /**
     * Fairway's largest-N aggregate against jlama's best aggregate at any N: jlama's concurrent generate() often
     * crashes at N >= 8, and its aggregate is flat from N=4 on, so its best figure is the bar it would set.
     */
    static Optional<String> bestAggregateLine(List<Result> fw, List<Result> jl) {
        Optional<Result> top =
                fw.stream().filter(r -> r.mode().equals("concurrent")).reduce((a, b) -> b.n() > a.n() ? b : a);
        Optional<Result> best = jl.stream()
                .filter(r -> r.mode().equals("concurrent"))
                .max(Comparator.comparingDouble(Result::tokensPerSecond));
        if (top.isEmpty() || best.isEmpty()) return Optional.empty();
        Result f = top.get(), j = best.get();
        return Optional.of(String.format(
                Locale.ROOT,
                "# fairway N=%d %.1f tok/s = %.2fx jlama's best aggregate (%.1f tok/s at N=%d)",
                f.n(),
                f.tokensPerSecond(),
                f.tokensPerSecond() / j.tokensPerSecond(),
                j.tokensPerSecond(),
                j.n()));
    }

    // ---------------------------------------------------------------- defaults

    static List<Path> defaultConfigs() {
        return List.of(
                TestModels.model("SmolLM2-135M-Instruct-config"), TestModels.model("TinyLlama-1.1B-Chat-v1.0-config"));
    }
}
