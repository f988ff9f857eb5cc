package dev.fairway.bench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.scheduler.StepCostModel;
import dev.fairway.testkit.RandomWeights;
import dev.fairway.testkit.Stats;
import dev.fairway.testkit.TestModels;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway bench fairness`: the fair (VTC) scheduler against FCFS on the real engine, with seeded random weights of
 * the SmolLM2-135M shape (no downloads). Three scenarios, each run under every policy:
 * (a) one user with 1 stream vs one user with 12 streams on a saturated engine: per-user output tok/s, Jain's index;
 * (b) 8 running streams while one 2,000-token prompt arrives: inter-token latency p50/p99 with vs without it;
 * (c) a 1,500-token conversation: second-turn TTFT and prefilled tokens vs the first turn (prefix cache).
 */
@Command(
        name = "fairness",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = EngineBenchCommand.Defaults.class,
        description = {
            "Fair (VTC) vs FCFS scheduling on the real engine with seeded random SmolLM2-135M-shaped weights.",
            "(a) 1 stream vs 12 streams of two users on a saturated engine: per-user tok/s, Jain's index, A's share;",
            "(b) running streams' inter-token latency while a long prompt is prefilled (chunked prefill);",
            "(c) second-turn TTFT and prefilled tokens of a long conversation (prefix cache).",
            "--weights Q4, Q8 or F32 (default Q4); --threads: the engine's worker threads."
        })
public final class FairnessBenchCommand implements Callable<Integer> {

    @Option(
            names = "--model-config",
            paramLabel = "DIR",
            description =
                    "Folder with config.json + tokenizer (weights are generated). Default: SmolLM2-135M-Instruct-config in the shared models folder.")
    Path modelConfig;

    /** --weights (default Q4, as bench engine) and --threads. */
    @Mixin
    ComputeOptions compute;

    /** --weights, upper case. */
    String weights;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the random weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--policies", split = ",", defaultValue = "FCFS,FAIR", description = "Default: ${DEFAULT-VALUE}.")
    List<EngineConfig.SchedulingPolicy> policies;

    @Option(names = "--scenarios", split = ",", defaultValue = "a,b,c", description = "Default: ${DEFAULT-VALUE}.")
    List<String> scenarios;

    @Option(
            names = "--duration",
            defaultValue = "30",
            description = "(a) measured seconds per policy. Default: ${DEFAULT-VALUE}.")
    double duration;

    @Option(
            names = "--warmup",
            defaultValue = "6",
            description = "(a) seconds before measuring. Default: ${DEFAULT-VALUE}.")
    double warmup;

    @Option(
            names = "--slots",
            defaultValue = "2",
            description =
                    "(a) maxRunningSequences: the saturated engine serves this many streams at once. Default: ${DEFAULT-VALUE}.")
    int slots;

    @Option(
            names = "--b-streams",
            defaultValue = "12",
            description = "(a) streams of user B (user A has 1). Default: ${DEFAULT-VALUE}.")
    int bStreams;

    @Option(
            names = "--request-tokens",
            defaultValue = "16",
            description = "(a) output tokens per request. Default: ${DEFAULT-VALUE}.")
    int requestTokens;

    @Option(
            names = "--prompt-tokens",
            defaultValue = "24",
            description = "(a, b) prompt tokens of a stream's request. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--running", defaultValue = "8", description = "(b) running streams. Default: ${DEFAULT-VALUE}.")
    int running;

    @Option(
            names = "--long-prompt",
            defaultValue = "2000",
            description = "(b) tokens of the arriving prompt. Default: ${DEFAULT-VALUE}.")
    int longPrompt;

    @Option(
            names = {"--step-budget", "--chunk"},
            defaultValue = "12",
            description = {
                "(b) maxBatchTokens: the step budget in cost units (a row at position p costs 1 + p/P, P from the model shape);",
                "a prefill chunk gets what is left after the running decodes. 12 with 8 decodes: a step with prefill costs <= ~1.45x a decode-only step. Default: ${DEFAULT-VALUE}."
            })
    int stepBudget;

    @Option(
            names = "--baseline",
            defaultValue = "8",
            description =
                    "(b) seconds of ITL measured without the long prompt: half before it arrives, half after its first token. Default: ${DEFAULT-VALUE}.")
    double baseline;

    @Option(
            names = "--history",
            defaultValue = "1500",
            description = "(c) conversation tokens before the second turn. Default: ${DEFAULT-VALUE}.")
    int history;

    @Option(names = "--json", description = "One JSON object per scenario and policy instead of a table.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();
    private PrintStream out;
    private Model model;
    private int fwThreads;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FairnessBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        weights = compute.weights();
        Path cfg = modelConfig != null ? modelConfig : TestModels.model("SmolLM2-135M-Instruct-config");
        fwThreads = compute.threadsOrCores();
        long t0 = System.nanoTime();
        Path dir = RandomWeights.materialize(cfg, seed);
        model = Model.load(dir, weights);
        note(String.format(
                Locale.ROOT,
                "# fairway bench fairness: %s random weights (seed %d) as %s, loaded in %.1f s; %d threads, %d cores, load average %s",
                cfg.getFileName(),
                seed,
                model.weightType(),
                (System.nanoTime() - t0) / 1e9,
                fwThreads,
                Runtime.getRuntime().availableProcessors(),
                FairnessStats.loadAverage()));
        warmUp();
        List<ObjectNode> rows = new ArrayList<>();
        for (String sc : scenarios) {
            for (EngineConfig.SchedulingPolicy p : policies) {
                ObjectNode r = switch (sc.trim().toLowerCase(Locale.ROOT)) {
                    case "a" -> scenarioA(p);
                    case "b" -> scenarioB(p);
                    case "c" -> scenarioC(p);
                    default ->
                        throw new CommandLine.ParameterException(new CommandLine(this), "unknown scenario " + sc);
                };
                rows.add(r);
                if (json) out.println(r);
                else System.err.println("# " + r);
            }
        }
        if (!json) printTables(rows);
        return 0;
    }

    /** JIT warm-up so the first policy measured is not the cold one: short prompts, a few concurrent decodes. */
    private void warmUp() throws Exception {
        long t0 = System.nanoTime();
        try (Engine engine = Engine.create(
                model,
                base(EngineConfig.SchedulingPolicy.FAIR).kvCacheTokens(4096).build())) {
            Random rnd = new Random(3);
            List<java.util.concurrent.CompletableFuture<GenerationResult>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                fs.add(engine.submit(
                                new GenerationRequest(
                                        "w" + i,
                                        "",
                                        Prompt.tokens(randomPrompt(rnd, i == 0 ? 100 : promptTokens)),
                                        params(24),
                                        1,
                                        1.0),
                                GenerationListener.NONE)
                        .result());
            }
            for (var f : fs) f.get();
        }
        note(String.format(Locale.ROOT, "# warm-up (JIT) %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    private EngineConfig.Builder base(EngineConfig.SchedulingPolicy p) {
        return EngineConfig.builder().threads(fwThreads).policy(p).prefillTokenWeight(0.5);
    }

    private SamplingParams params(int maxTokens) {
        return SamplingParams.builder()
                .maxTokens(maxTokens)
                .temperature(0)
                .ignoreEos(true)
                .build();
    }

    /** Random non-special prompt ids (the engine adds nothing to token prompts). */
    private int[] randomPrompt(Random rnd, int length) {
        int vocab = model.config().vocab();
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            int t;
            do t = rnd.nextInt(vocab);
            while (model.codec().isSpecial(t) || model.codec().eosIds().contains(t));
            ids[i] = t;
        }
        return ids;
    }

    // ---------------------------------------------------------------- (a) 1 vs 12 streams

    private ObjectNode scenarioA(EngineConfig.SchedulingPolicy policy) throws Exception {
        int kvTokens = (slots + 2) * (promptTokens + requestTokens + 32) + 256;
        EngineConfig cfg =
                base(policy).maxRunningSequences(slots).kvCacheTokens(kvTokens).build();
        Map<String, AtomicLong> tokens = new LinkedHashMap<>();
        tokens.put("A", new AtomicLong());
        tokens.put("B", new AtomicLong());
        AtomicLong allTokens = new AtomicLong();
        long[] window = new long[2];
        Random rnd = new Random(7);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 64; i++) prompts.add(randomPrompt(rnd, promptTokens));
        ConcurrentLinkedQueue<GenerationHandle> handles = new ConcurrentLinkedQueue<>();
        long measured;
        double seconds;
        try (Engine engine = Engine.create(model, cfg)) {
            FairnessStreams streams = new FairnessStreams(engine, handles);
            long start = System.nanoTime();
            window[0] = start + (long) (warmup * 1e9);
            window[1] = window[0] + (long) (duration * 1e9);
            streams.start(
                    "A",
                    "a-0",
                    () -> prompts.get(rnd(prompts.size())),
                    params(requestTokens),
                    e -> count(e, window, tokens.get("A"), allTokens));
            for (int i = 0; i < bStreams; i++) {
                streams.start(
                        "B",
                        "b-" + i,
                        () -> prompts.get(rnd(prompts.size())),
                        params(requestTokens),
                        e -> count(e, window, tokens.get("B"), allTokens));
            }
            sleepUntil(window[1]);
            streams.stop();
            seconds = duration;
            measured = allTokens.get();
        }
        double a = tokens.get("A").get() / seconds, b = tokens.get("B").get() / seconds;
        ObjectNode o = row("a", policy);
        o.put(
                "engine_limits",
                "maxRunningSequences=" + slots + " (saturated: " + (1 + bStreams) + " streams want service, " + slots
                        + " served at once), maxBatchTokens=" + cfg.maxBatchTokens());
        o.put("streams_a", 1);
        o.put("streams_b", bStreams);
        o.put("measured_s", seconds);
        o.put("a_tok_s", round(a));
        o.put("b_tok_s", round(b));
        o.put("total_tok_s", round(measured / seconds));
        o.put("a_share", round((a) / Math.max(1e-9, a + b)));
        o.put("jain", round(Stats.jain(a, b)));
        return o;
    }

    private static final ThreadLocalRandomHolder RNDS = new ThreadLocalRandomHolder();

    private static int rnd(int n) {
        return RNDS.get().nextInt(n);
    }

    /** Seeded per-thread random for prompt choice (the engine thread and the main thread both submit). */
    private static final class ThreadLocalRandomHolder extends ThreadLocal<Random> {
        private final AtomicLong seeds = new AtomicLong(11);

        @Override
        protected Random initialValue() {
            return new Random(seeds.getAndIncrement());
        }
    }

    private static void count(long now, long[] window, AtomicLong user, AtomicLong all) {
        if (now >= window[0] && now < window[1]) {
            user.incrementAndGet();
            all.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------- (b) ITL while a long prompt is prefilled

    private ObjectNode scenarioB(EngineConfig.SchedulingPolicy policy) throws Exception {
        int streamTokens = 256;
        int kvTokens = running * (promptTokens + streamTokens + 32) + longPrompt + 512;
        EngineConfig cfg =
                base(policy).maxBatchTokens(stepBudget).kvCacheTokens(kvTokens).build();
        Random rnd = new Random(9);
        int[] longIds = randomPrompt(rnd, longPrompt), aloneIds = randomPrompt(rnd, longPrompt);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 32; i++) prompts.add(randomPrompt(rnd, promptTokens));
        ConcurrentLinkedQueue<long[]> gaps = new ConcurrentLinkedQueue<>(); // {end time, gap}
        ConcurrentLinkedQueue<GenerationHandle> handles = new ConcurrentLinkedQueue<>();
        long baseStart, baseEnd, longSubmit, longFirst, afterStart, afterEnd, aloneTtft;
        int longSteps;
        long half = (long) (baseline * 1e9 / 2);
        try (Engine engine = Engine.create(model, cfg)) {
            // the same length of prompt alone first (other tokens: no prefix-cache hit later), same engine limits
            aloneTtft = engine.submit(
                            new GenerationRequest("newcomer", "alone", Prompt.tokens(aloneIds), params(1), 1, 1.0),
                            GenerationListener.NONE)
                    .result()
                    .get()
                    .timings()
                    .firstTokenNanos();
            FairnessStreams streams = new FairnessStreams(engine, handles);
            for (int i = 0; i < running; i++) {
                streams.startTimed("s" + i, "c", () -> prompts.get(rnd(prompts.size())), params(streamTokens), gaps);
            }
            long start = System.nanoTime();
            baseStart = start + 3_000_000_000L; // warm-up: all prefilled and decoding
            baseEnd = baseStart + half;
            sleepUntil(baseEnd);
            long stepsBefore = engine.stats().steps();
            longSubmit = System.nanoTime();
            GenerationResult r = engine.submit(
                            new GenerationRequest("newcomer", "long", Prompt.tokens(longIds), params(1), 1, 1.0),
                            GenerationListener.NONE)
                    .result()
                    .get();
            longFirst = longSubmit + r.timings().firstTokenNanos();
            longSteps = (int) (engine.stats().steps() - stepsBefore);
            // the second half of the baseline right after it, so a drifting machine load affects both sides alike
            afterStart = System.nanoTime();
            afterEnd = afterStart + half;
            sleepUntil(afterEnd);
            streams.stop();
        }
        List<Long> before = new ArrayList<>(), during = new ArrayList<>();
        for (long[] g : gaps) {
            if ((g[0] >= baseStart && g[0] < baseEnd) || (g[0] >= afterStart && g[0] < afterEnd)) before.add(g[1]);
            else if (g[0] >= longSubmit && g[0] <= longFirst) during.add(g[1]);
        }
        ObjectNode o = row("b", policy);
        o.put(
                "engine_limits",
                "maxBatchTokens=" + stepBudget + " cost units (a row at position p costs 1 + p/"
                        + Math.round(StepCostModel.of(model.config()).positionsPerUnit())
                        + "; a prefill chunk gets what is left after "
                        + "the running decodes), maxRunningSequences=" + cfg.maxRunningSequences());
        o.put("running_streams", running);
        o.put("long_prompt_tokens", longPrompt);
        o.put("long_prompt_ttft_ms", round((longFirst - longSubmit) / 1e6));
        o.put("long_prompt_alone_ttft_ms", round(aloneTtft / 1e6));
        o.put("long_prompt_ttft_vs_alone", round((longFirst - longSubmit) / (double) aloneTtft));
        o.put("long_prompt_steps", longSteps);
        o.put("long_prompt_tokens_per_step", round(longPrompt / (double) Math.max(1, longSteps)));
        // the running streams' output rate (one token per ITL sample) without vs while the prompt is prefilled
        o.put("decode_tok_s_without", round(before.size() / (2 * half / 1e9)));
        o.put("decode_tok_s_with", round(during.size() / ((longFirst - longSubmit) / 1e9)));
        o.put("itl_samples_without", before.size());
        o.put("itl_samples_with", during.size());
        o.put("itl_p50_ms_without", round(Stats.percentile(before, 50) / 1e6));
        o.put("itl_p99_ms_without", round(Stats.percentile(before, 99) / 1e6));
        o.put("itl_p50_ms_with", round(Stats.percentile(during, 50) / 1e6));
        o.put("itl_p99_ms_with", round(Stats.percentile(during, 99) / 1e6));
        o.put("itl_max_ms_with", round(Stats.percentile(during, 100) / 1e6));
        o.put("p99_ratio", round(Stats.percentile(during, 99) / Math.max(1.0, Stats.percentile(before, 99))));
        return o;
    }

    // ---------------------------------------------------------------- (c) second turn of a long conversation

    private ObjectNode scenarioC(EngineConfig.SchedulingPolicy policy) throws Exception {
        EngineConfig cfg = base(policy).kvCacheTokens(4 * (history + 256)).build();
        try (Engine engine = Engine.create(model, cfg)) {
            Turns t = twoTurns(engine, new Random(200));
            ObjectNode o = row("c", policy);
            o.put(
                    "engine_limits",
                    "maxBatchTokens=" + cfg.maxBatchTokens() + ", prefix caching on, block " + cfg.blockSize());
            o.put("turn1_prompt_tokens", t.first.usage().promptTokens());
            o.put("turn1_cached_tokens", t.first.usage().cachedTokens());
            o.put("turn1_ttft_ms", round(t.first.timings().firstTokenNanos() / 1e6));
            o.put("turn2_prompt_tokens", t.second.usage().promptTokens());
            o.put("turn2_cached_tokens", t.second.usage().cachedTokens());
            o.put(
                    "turn2_prefilled_tokens",
                    t.second.usage().promptTokens() - t.second.usage().cachedTokens());
            o.put("turn2_new_tokens", t.newTokens);
            o.put("turn2_ttft_ms", round(t.second.timings().firstTokenNanos() / 1e6));
            o.put(
                    "history_from_cache",
                    round(Math.min(
                                    t.second.usage().cachedTokens(),
                                    t.first.usage().promptTokens())
                            / (double) t.first.usage().promptTokens()));
            o.put(
                    "ttft_speedup",
                    round(t.first.timings().firstTokenNanos()
                            / (double) t.second.timings().firstTokenNanos()));
            return o;
        }
    }

    private record Turns(GenerationResult first, GenerationResult second, int newTokens) {}

    /**
     * Turn 1: [system, user(history)] with the generation prompt; turn 2 appends the generated reply, the end of turn
     * and a new user message. Prompts are token ids assembled from the chat template's own pieces (rendered with
     * markers) and the message text encoded sentence by sentence: jlama's BPE tokenizer is quadratic (~20 s for 1,700
     * tokens on this machine), and a client holding the conversation would send the same ids.
     */
    private Turns twoTurns(Engine engine, Random rnd) {
        String u1 = "\u0001U1\u0001", a1 = "\u0001A1\u0001", u2 = "\u0001U2\u0001";
        String sys = "You are a helpful assistant.";
        String one = engine.renderChat(List.of(ChatMessage.system(sys), ChatMessage.user(u1)));
        String two = engine.renderChat(List.of(
                ChatMessage.system(sys), ChatMessage.user(u1), ChatMessage.assistant(a1), ChatMessage.user(u2)));
        int[] head = engine.promptTokens(Prompt.text(one.substring(0, one.indexOf(u1))));
        int[] genPrompt = engine.encode(one.substring(one.indexOf(u1) + u1.length()));
        int[] afterReply = engine.encode(two.substring(two.indexOf(a1) + a1.length(), two.indexOf(u2)));
        int[] tail = engine.encode(two.substring(two.indexOf(u2) + u2.length()));
        List<int[]> parts = new ArrayList<>();
        parts.add(head);
        int total = head.length + genPrompt.length;
        for (int i = 0; total < history; i++) {
            int[] sentence = engine.encode((i == 0 ? "" : " ") + FairnessText.sentence(rnd));
            if (total + sentence.length > history) break;
            parts.add(sentence);
            total += sentence.length;
        }
        parts.add(genPrompt);
        int[] turn1 = concat(parts);
        SamplingParams p = params(16);
        GenerationResult first = engine.generate(new GenerationRequest("u", "conv", Prompt.tokens(turn1), p, 1, 1.0));
        int[] question = engine.encode("And what happened " + FairnessText.words(rnd, 12) + "?");
        int[] turn2 = concat(List.of(turn1, first.first().tokenIds(), afterReply, question, tail));
        GenerationResult second = engine.generate(new GenerationRequest("u", "conv", Prompt.tokens(turn2), p, 1, 1.0));
        return new Turns(first, second, turn2.length - turn1.length);
    }

    private static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] x : parts) n += x.length;
        int[] out = new int[n];
        int o = 0;
        for (int[] x : parts) {
            System.arraycopy(x, 0, out, o, x.length);
            o += x.length;
        }
        return out;
    }

    // ---------------------------------------------------------------- output

    private ObjectNode row(String scenario, EngineConfig.SchedulingPolicy p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("scenario", scenario);
        o.put("policy", p.name());
        o.put("model", model.name());
        o.put("weights", model.weightType());
        return o;
    }

    private void printTables(List<ObjectNode> rows) {
        List<ObjectNode> a = rows.stream()
                .filter(r -> r.get("scenario").asText().equals("a"))
                .toList();
        List<ObjectNode> b = rows.stream()
                .filter(r -> r.get("scenario").asText().equals("b"))
                .toList();
        List<ObjectNode> c = rows.stream()
                .filter(r -> r.get("scenario").asText().equals("c"))
                .toList();
        if (!a.isEmpty()) {
            out.println();
            out.println("(a) user A: 1 stream, user B: " + bStreams + " streams, each re-submits at once ("
                    + promptTokens + "-token prompts, " + requestTokens + " output tokens, EOS ignored); "
                    + a.get(0).get("engine_limits").asText());
            out.println(String.format(
                    Locale.ROOT,
                    "%-6s %10s %10s %12s %8s %7s",
                    "policy",
                    "A tok/s",
                    "B tok/s",
                    "total tok/s",
                    "A share",
                    "Jain"));
            for (ObjectNode r : a) {
                out.println(String.format(
                        Locale.ROOT,
                        "%-6s %10.2f %10.2f %12.2f %7.1f%% %7.3f",
                        r.get("policy").asText(),
                        r.get("a_tok_s").asDouble(),
                        r.get("b_tok_s").asDouble(),
                        r.get("total_tok_s").asDouble(),
                        100 * r.get("a_share").asDouble(),
                        r.get("jain").asDouble()));
            }
        }
        if (!b.isEmpty()) {
            out.println();
            out.println("(b) " + running + " running streams; a " + longPrompt
                    + "-token prompt arrives; ITL of the running streams without " + "it (" + baseline / 2
                    + " s before + " + baseline / 2 + " s after) vs while it is prefilled; "
                    + b.get(0).get("engine_limits").asText());
            out.println(String.format(
                    Locale.ROOT,
                    "%-6s %9s %9s %9s %9s %9s %8s %11s %11s %8s %6s %10s %10s",
                    "policy",
                    "p50 w/o",
                    "p99 w/o",
                    "p50 with",
                    "p99 with",
                    "max with",
                    "p99 x",
                    "long TTFT",
                    "alone TTFT",
                    "vs alone",
                    "steps",
                    "dec/s w/o",
                    "dec/s with"));
            for (ObjectNode r : b) {
                out.println(String.format(
                        Locale.ROOT,
                        "%-6s %7.1fms %7.1fms %7.1fms %7.1fms %7.1fms %7.2fx %9.0fms %9.0fms %7.2fx %6d %10.1f %10.1f",
                        r.get("policy").asText(),
                        r.get("itl_p50_ms_without").asDouble(),
                        r.get("itl_p99_ms_without").asDouble(),
                        r.get("itl_p50_ms_with").asDouble(),
                        r.get("itl_p99_ms_with").asDouble(),
                        r.get("itl_max_ms_with").asDouble(),
                        r.get("p99_ratio").asDouble(),
                        r.get("long_prompt_ttft_ms").asDouble(),
                        r.get("long_prompt_alone_ttft_ms").asDouble(),
                        r.get("long_prompt_ttft_vs_alone").asDouble(),
                        r.get("long_prompt_steps").asInt(),
                        r.get("decode_tok_s_without").asDouble(),
                        r.get("decode_tok_s_with").asDouble()));
            }
            out.println("# alone TTFT = the same length of prompt on the same engine before the streams start; "
                    + "steps = engine steps until the long prompt's first token (its chunks get smaller as it gets deeper); "
                    + "dec/s = the running streams' output tokens per second");
        }
        if (!c.isEmpty()) {
            out.println();
            out.println("(c) a ~" + history + "-token conversation, second turn; "
                    + c.get(0).get("engine_limits").asText());
            out.println(String.format(
                    Locale.ROOT,
                    "%-6s %8s %9s %8s %9s %9s %9s %9s %8s",
                    "policy",
                    "turn1 p",
                    "turn1 TTFT",
                    "turn2 p",
                    "cached",
                    "prefilled",
                    "new msg",
                    "turn2 TTFT",
                    "speedup"));
            for (ObjectNode r : c) {
                out.println(String.format(
                        Locale.ROOT,
                        "%-6s %8d %8.0fms %8d %9d %9d %9d %8.0fms %7.1fx",
                        r.get("policy").asText(),
                        r.get("turn1_prompt_tokens").asInt(),
                        r.get("turn1_ttft_ms").asDouble(),
                        r.get("turn2_prompt_tokens").asInt(),
                        r.get("turn2_cached_tokens").asInt(),
                        r.get("turn2_prefilled_tokens").asInt(),
                        r.get("turn2_new_tokens").asInt(),
                        r.get("turn2_ttft_ms").asDouble(),
                        r.get("ttft_speedup").asDouble()));
            }
            out.println(
                    "# new msg = tokens the second turn adds (assistant reply + new user message, as re-templated); "
                            + "prefilled - new msg = the history tail that did not fill a whole cache block;");
            out.println(
                    "# prompts are token ids (chat template pieces + text encoded per sentence; jlama's BPE encode is quadratic)");
        }
        out.println("# load average at the end: " + FairnessStats.loadAverage());
    }

    private void note(String line) {
        if (json) System.err.println(line);
        else out.println(line);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) Thread.sleep(Math.max(1, Math.min(200, left / 1_000_000)));
    }
}
