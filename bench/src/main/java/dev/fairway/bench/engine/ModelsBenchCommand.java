package dev.fairway.bench.engine;

import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.models.ModelsConfig;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway bench models`: what serving two models on one machine costs, through the server's own model registry (one
 * shared compute gate). Aggregate tok/s of N closed-loop streams all on model A against N/2 on A and N/2 on B, both
 * loaded, phases interleaved round by round in one run after an uncounted warm-up round; then the cold-load time to first token of model B (registry
 * with B unloaded, first request: load + prefill + first token) against its warm time to first token.
 */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Several models on one machine: N streams split over two loaded models vs N on one (interleaved rounds),",
            "and a cold load's time to first token."
        })
public final class ModelsBenchCommand implements java.util.concurrent.Callable<Integer> {
    @Option(
            names = "--model-a",
            description = "Default: tiny-smol-Q8_0.gguf in the shared models folder (random SmolLM2-shaped llama).")
    Path modelA;

    @Option(names = "--model-b", description = "Default: tiny-smol-Q4_K_M.gguf (the same shape, another file).")
    Path modelB;

    @Option(names = "--streams", defaultValue = "16", description = "Streams in each phase. Default: ${DEFAULT-VALUE}.")
    int streams;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(
            names = "--seconds",
            defaultValue = "8",
            description = "Measured seconds per phase (after 2 s of warm-up). Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(
            names = "--request-tokens",
            defaultValue = "64",
            description = "Output tokens per request. Default: ${DEFAULT-VALUE}.")
    int requestTokens;

    @Option(names = "--loads", defaultValue = "3", description = "Cold loads measured. Default: ${DEFAULT-VALUE}.")
    int loads;

    /** --threads (and --weights: each model is loaded as --weights says, else as stored), shared with every command. */
    @Mixin
    ComputeOptions compute;

    private EngineConfig base() {
        EngineConfig.Builder b =
                EngineConfig.builder().kvCacheMb(64).maxRunningSequences(32).threads(compute.threadsOrCores());
        if (compute.weights() != null) b.weightType(compute.weights());
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        Path gguf = TestModels.model("gguf");
        String a = (modelA != null ? modelA : gguf.resolve("tiny-smol-Q8_0.gguf")).toString();
        String b = (modelB != null ? modelB : gguf.resolve("tiny-smol-Q4_K_M.gguf")).toString();
        System.out.printf(
                Locale.ROOT,
                "models: A %s, B %s; %d streams of %d tokens; %d rounds of %.0f s per phase%n",
                a,
                b,
                streams,
                requestTokens,
                rounds,
                seconds);
        try (ModelRegistry registry = new ModelRegistry(
                ModelsConfig.of(List.of("a=" + a, "b=" + b), 0, List.of("all"), Duration.ZERO), base())) {
            Engine ea = registry.preload(registry.resolve("a")).join();
            Engine eb = registry.preload(registry.resolve("b")).join();
            phase(List.of(ea), streams); // warm-up round, not counted: JIT, first prefills
            phase(List.of(ea, eb), streams);
            double oneSum = 0, twoSum = 0;
            System.out.printf(
                    Locale.ROOT, "%-6s %16s %16s %8s%n", "round", "one model tok/s", "two models tok/s", "two/one");
            for (int r = 1; r <= rounds; r++) {
                double one = phase(List.of(ea), streams);
                double two = phase(List.of(ea, eb), streams);
                oneSum += one;
                twoSum += two;
                System.out.printf(Locale.ROOT, "%-6d %16.1f %16.1f %8.3f%n", r, one, two, two / one);
            }
            System.out.printf(
                    Locale.ROOT,
                    "mean   %16.1f %16.1f %8.3f   (gate: %d passes, %.1f s waited)%n",
                    oneSum / rounds,
                    twoSum / rounds,
                    twoSum / oneSum,
                    registry.gate().passes(),
                    registry.gate().waitNanos() / 1e9);
        }
        coldLoads(b);
        return 0;
    }

    /** Aggregate tok/s of {@code n} closed-loop streams spread evenly over {@code engines}. */
    private double phase(List<Engine> engines, int n) throws InterruptedException {
        AtomicBoolean on = new AtomicBoolean(true);
        AtomicLong tokens = new AtomicLong();
        for (int i = 0; i < n; i++) stream(engines.get(i % engines.size()), "user" + i, on, tokens);
        Thread.sleep(2000);
        long t0 = System.nanoTime(), k0 = tokens.get();
        Thread.sleep((long) (seconds * 1000));
        double rate = (tokens.get() - k0) / ((System.nanoTime() - t0) / 1e9);
        on.set(false);
        for (Engine e : engines)
            while (e.stats().runningSequences() + e.stats().waitingSequences() > 0) Thread.sleep(10);
        return rate;
    }

    private GenerationRequest request(String user) {
        return new GenerationRequest(
                user,
                "",
                Prompt.text("Once upon a time there was a little robot who"),
                SamplingParams.builder()
                        .temperature(1)
                        .maxTokens(requestTokens)
                        .ignoreEos(true)
                        .build(),
                1,
                1.0);
    }

    private void stream(Engine engine, String user, AtomicBoolean on, AtomicLong tokens) {
        engine.submit(request(user), new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                tokens.incrementAndGet();
            }

            @Override
            public void onComplete(GenerationResult result) {
                if (on.get()) stream(engine, user, on, tokens);
            }
        });
    }

    /** Load B on a first request (a registry where it is not loaded) and time its first token; then warm. */
    private void coldLoads(String b) {
        System.out.printf(Locale.ROOT, "%-6s %10s %14s %14s%n", "load", "load ms", "cold TTFT ms", "warm TTFT ms");
        double coldSum = 0, warmSum = 0;
        for (int i = 1; i <= loads; i++) {
            try (ModelRegistry registry =
                    new ModelRegistry(ModelsConfig.of(List.of("b=" + b), 0, List.of("none"), Duration.ZERO), base())) {
                long t0 = System.nanoTime();
                ModelRegistry.Lease lease =
                        registry.acquire(registry.resolve("b")).join();
                double cold = firstTokenMs(lease.engine(), t0);
                double warm = firstTokenMs(lease.engine(), System.nanoTime());
                lease.release();
                coldSum += cold;
                warmSum += warm;
                System.out.printf(
                        Locale.ROOT,
                        "%-6d %10d %14.1f %14.1f%n",
                        i,
                        lease.entry().loadMillis(),
                        cold,
                        warm);
            }
        }
        System.out.printf(Locale.ROOT, "mean   %10s %14.1f %14.1f%n", "", coldSum / loads, warmSum / loads);
    }

    private double firstTokenMs(Engine engine, long t0) {
        CompletableFuture<Double> first = new CompletableFuture<>();
        engine.submit(request("cold"), new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                first.complete((System.nanoTime() - t0) / 1e6);
            }
        });
        try {
            return first.get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("no first token", e);
        }
    }
}
