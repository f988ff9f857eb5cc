package dev.fairway.cli.options;

import dev.fairway.engine.EngineConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The engine and model options, defined once for the commands that open a model (serve, chat, bench gateway), each
 * with its FAIRWAY_* environment twin: {@code @Mixin EngineOptions engineOptions;} then {@link #builder()}. The defaults
 * are the engine's own ({@link EngineConfig.Builder}); a command that needs others (bench gateway: the tiny test
 * model, a smaller KV cache) sets them with a {@link picocli.CommandLine.IDefaultValueProvider}, see
 * {@link DefaultsFor}.
 */
public class EngineOptions extends ComputeOptions {
    @Option(
            names = "--model",
            paramLabel = "[NAME=]PATH_OR_ID",
            defaultValue = "${env:FAIRWAY_MODEL}",
            description =
                    "Model folder or Hugging Face id owner/name (env FAIRWAY_MODEL). fairway serve takes it several times "
                            + "(the first is the default model), each optionally NAME=SOURCE to choose the id clients use.")
    List<String> model;

    @Option(
            names = "--model-cache",
            paramLabel = "DIR",
            defaultValue = "${env:FAIRWAY_MODEL_CACHE}",
            description =
                    "Where Hugging Face ids are downloaded (env FAIRWAY_MODEL_CACHE, default ~/.cache/fairway/models).")
    Path modelCache;

    @Option(
            names = "--kv-mb",
            defaultValue = "${env:FAIRWAY_KV_MB:-512}",
            description = "KV cache size in MB (env FAIRWAY_KV_MB, default ${DEFAULT-VALUE}).")
    int kvMb;

    @Option(
            names = "--kv-tokens",
            defaultValue = "${env:FAIRWAY_KV_TOKENS:-0}",
            description = "KV cache size in tokens; overrides --kv-mb when > 0 (env FAIRWAY_KV_TOKENS).")
    int kvTokens;

    @Option(
            names = "--max-batch",
            defaultValue = "${env:FAIRWAY_MAX_BATCH:-256}",
            description = "Max tokens per engine step (env FAIRWAY_MAX_BATCH, default ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--max-running",
            defaultValue = "${env:FAIRWAY_MAX_RUNNING:-32}",
            description = "Max sequences decoded together (env FAIRWAY_MAX_RUNNING, default ${DEFAULT-VALUE}).")
    int maxRunning;

    @Option(
            names = "--max-waiting",
            defaultValue = "${env:FAIRWAY_MAX_WAITING:-256}",
            description = "Queued requests before 429 (env FAIRWAY_MAX_WAITING, default ${DEFAULT-VALUE}).")
    int maxWaiting;

    @Option(
            names = "--policy",
            defaultValue = "${env:FAIRWAY_POLICY:-FAIR}",
            description = "FAIR or FCFS (env FAIRWAY_POLICY, default ${DEFAULT-VALUE}).")
    EngineConfig.SchedulingPolicy policy;

    @Option(
            names = "--prefix-caching",
            negatable = true,
            defaultValue = "${env:FAIRWAY_PREFIX_CACHING:-true}",
            fallbackValue = "true",
            description =
                    "Reuse KV blocks of shared prompt prefixes (env FAIRWAY_PREFIX_CACHING, default ${DEFAULT-VALUE}).")
    boolean prefixCaching;

    /** The spelling `bench gateway` had; still accepted (kept apart: see ComputeOptions#weightType). */
    private Boolean prefixCache;

    @Option(
            names = "--prefix-cache",
            negatable = true,
            hidden = true,
            fallbackValue = "true",
            description = "Deprecated: use --[no-]prefix-caching.")
    void prefixCache(boolean on) {
        notes.println("fairway: --[no-]prefix-cache is deprecated; use --" + (on ? "" : "no-") + "prefix-caching");
        prefixCache = on;
    }

    /** The (first) model as given (folder or Hugging Face id), or null. */
    public String model() {
        List<String> all = models();
        return all.isEmpty() ? null : all.getFirst();
    }

    /** Every --model as given, in order (serve offers them all; the other commands use the first). */
    public List<String> models() {
        return model == null
                ? List.of()
                : model.stream().filter(m -> m != null && !m.isBlank()).toList();
    }

    /** The model, or an IllegalArgumentException naming the flag and its environment twin. */
    public String requireModel() {
        if (model() == null) throw new IllegalArgumentException("--model (or FAIRWAY_MODEL) is required");
        return model();
    }

    public int kvMb() {
        return kvMb;
    }

    public int maxRunning() {
        return maxRunning;
    }

    public boolean prefixCaching() {
        return prefixCache != null ? prefixCache : prefixCaching;
    }

    /** Every option applied to an engine configuration (the model as given, possibly null). */
    public EngineConfig.Builder builder() {
        EngineConfig.Builder b = EngineConfig.builder()
                .model(model())
                .weightType(weights())
                .kvCacheMb(kvMb)
                .kvCacheTokens(kvTokens)
                .maxBatchTokens(maxBatch)
                .maxRunningSequences(maxRunning)
                .maxWaitingRequests(maxWaiting)
                .policy(policy)
                .prefixCaching(prefixCaching());
        if (threads() > 0) b.threads(threads());
        if (modelCache != null) b.modelCacheDir(modelCache);
        return b;
    }
}
