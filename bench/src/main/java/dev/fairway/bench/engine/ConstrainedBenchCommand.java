package dev.fairway.bench.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.grammar.Grammar;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.RandomWeights;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway bench constrained`: what constrained decoding costs. N concurrent streams (temperature 1) with a JSON
 * schema on every stream, then the same streams with none, each unconstrained stream generating exactly as many
 * tokens as its constrained twin did (a JSON answer ends when complete: without this, the unconstrained batch would
 * stay full longer and look faster for that alone); interleaved round by round on one engine. Also the time to
 * compile a schema on first use (the tokenizer's trie, built once per model, and the schema itself).
 */
@Command(
        name = "constrained",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Aggregate tok/s with a JSON schema on every stream vs none (interleaved), and schema compile time."
        })
public final class ConstrainedBenchCommand implements Callable<Integer> {
    static final String SCHEMA = "{\"type\":\"object\",\"properties\":{"
            + "\"name\":{\"type\":\"string\",\"maxLength\":40},"
            + "\"age\":{\"type\":\"integer\"},"
            + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":20},\"maxItems\":8},"
            + "\"address\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"zip\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}},\"required\":[\"city\",\"zip\"],"
            + "\"additionalProperties\":false},"
            + "\"kind\":{\"enum\":[\"person\",\"company\",\"other\"]},\"notes\":{\"type\":\"string\"}},"
            + "\"required\":[\"name\",\"age\",\"tags\",\"address\",\"kind\",\"notes\"],\"additionalProperties\":false}";

    @Option(
            names = "--model-config",
            paramLabel = "DIR",
            description = "config.json + tokenizer (weights are generated). Default: SmolLM2-135M-Instruct-config.")
    Path modelConfig;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--streams", defaultValue = "16", description = "Concurrent streams. Default: ${DEFAULT-VALUE}.")
    int streams;

    @Option(names = "--tokens", defaultValue = "64", description = "max_tokens per stream. Default: ${DEFAULT-VALUE}.")
    int tokens;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        Path cfg = modelConfig != null ? modelConfig : TestModels.model("SmolLM2-135M-Instruct-config");
        Model model = Model.load(RandomWeights.materialize(cfg, 42), compute.weights());
        JsonNode schema = new ObjectMapper().readTree(SCHEMA);
        long t0 = System.nanoTime();
        model.codec().tokenVocabulary();
        long t1 = System.nanoTime();
        Grammar grammar = Grammar.jsonSchema(schema);
        long t2 = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "# %s, %d streams x %d tokens, %d threads%nfirst use: token trie %.1f ms (once per model), schema %.2f ms%n",
                cfg.getFileName(),
                streams,
                tokens,
                compute.threadsOrCores(),
                (t1 - t0) / 1e6,
                (t2 - t1) / 1e6);
        try (Engine engine = Engine.create(
                model,
                EngineConfig.builder()
                        .threads(compute.threadsOrCores())
                        .kvCacheTokens(streams * (tokens + 64))
                        .build())) {
            int[] lengths = new int[streams];
            run(engine, grammar, lengths); // warm-up
            run(engine, null, lengths);
            double none = 0;
            double constrained = 0;
            for (int r = 0; r < rounds; r++) {
                double b = run(engine, grammar, lengths);
                double a = run(engine, null, lengths);
                System.out.printf(Locale.ROOT, "round %d: none %.1f tok/s, json schema %.1f tok/s%n", r + 1, a, b);
                none += a;
                constrained += b;
            }
            System.out.printf(
                    Locale.ROOT,
                    "mean: none %.1f tok/s, json schema %.1f tok/s (%.1f%% of unconstrained)%n",
                    none / rounds,
                    constrained / rounds,
                    100 * constrained / none);
        }
        return 0;
    }

    /**
     * Aggregate generated tokens per second of one batch of streams. Constrained: records each stream's length in
     * lengths; unconstrained: generates exactly those lengths.
     */
    private double run(Engine engine, Grammar grammar, int[] lengths) throws Exception {
        List<GenerationHandle> handles = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            SamplingParams.Builder p = SamplingParams.builder()
                    .temperature(1f)
                    .seed((long) i)
                    .maxTokens(grammar == null ? Math.max(1, lengths[i]) : tokens)
                    .grammar(grammar);
            if (grammar == null) p.ignoreEos(true);
            handles.add(engine.submit(
                    GenerationRequest.of(Prompt.text("Describe a person as JSON: " + i), p.build()),
                    GenerationListener.NONE));
        }
        long generated = 0;
        for (int i = 0; i < streams; i++) {
            int n = handles.get(i).result().get().usage().completionTokens();
            if (grammar != null) lengths[i] = n;
            generated += n;
        }
        return generated / ((System.nanoTime() - start) / 1e9);
    }
}
