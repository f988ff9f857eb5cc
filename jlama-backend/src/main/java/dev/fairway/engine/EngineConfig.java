package dev.fairway.engine;

import java.nio.file.Path;

/**
 * How to run the engine. {@code model} is a local folder or a Hugging Face id (owner/name, downloaded to
 * {@code modelCacheDir}). KV capacity is {@code kvCacheTokens} if > 0, else {@code kvCacheMb}.
 * {@code weightType} null keeps the stored type; "Q4", "Q8", "F32" quantize or expand on load.
 * {@code maxBatchTokens} is the step budget in units of a fresh token: a row at position p costs 1 + p / P for the
 * model's P ({@link dev.fairway.engine.scheduler.StepCostModel}; from the model's shape at first, then from measured
 * step times), so it bounds a step's tokens and, deep in long sequences, takes fewer of them. Next to running decodes,
 * prefill gets a share steered by measured step times instead, so the decodes' inter-token latency stays bounded.
 */
public record EngineConfig(
        String model,
        Path modelCacheDir,
        String weightType,
        int kvCacheTokens,
        int kvCacheMb,
        int blockSize,
        int maxBatchTokens,
        int maxRunningSequences,
        int maxWaitingRequests,
        int threads,
        SchedulingPolicy policy,
        double prefillTokenWeight,
        boolean prefixCaching) {

    public enum SchedulingPolicy {
        FAIR,
        FCFS
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .model(model)
                .modelCacheDir(modelCacheDir)
                .weightType(weightType)
                .kvCacheTokens(kvCacheTokens)
                .kvCacheMb(kvCacheMb)
                .blockSize(blockSize)
                .maxBatchTokens(maxBatchTokens)
                .maxRunningSequences(maxRunningSequences)
                .maxWaitingRequests(maxWaitingRequests)
                .threads(threads)
                .policy(policy)
                .prefillTokenWeight(prefillTokenWeight)
                .prefixCaching(prefixCaching);
    }

    public static Path defaultModelCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "fairway", "models");
    }

    public static final class Builder {
        private String model;
        private Path modelCacheDir = defaultModelCacheDir();
        private String weightType;
        private int kvCacheTokens;
        private int kvCacheMb = 512;
        private int blockSize = 16;
        private int maxBatchTokens = 256;
        private int maxRunningSequences = 32;
        private int maxWaitingRequests = 256;
        private int threads = Runtime.getRuntime().availableProcessors();
        private SchedulingPolicy policy = SchedulingPolicy.FAIR;
        private double prefillTokenWeight = 0.5;
        private boolean prefixCaching = true;

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder modelCacheDir(Path v) {
            modelCacheDir = v;
            return this;
        }

        public Builder weightType(String v) {
            weightType = v;
            return this;
        }

        public Builder kvCacheTokens(int v) {
            kvCacheTokens = v;
            return this;
        }

        public Builder kvCacheMb(int v) {
            kvCacheMb = v;
            return this;
        }

        public Builder blockSize(int v) {
            blockSize = v;
            return this;
        }

        public Builder maxBatchTokens(int v) {
            maxBatchTokens = v;
            return this;
        }

        public Builder maxRunningSequences(int v) {
            maxRunningSequences = v;
            return this;
        }

        public Builder maxWaitingRequests(int v) {
            maxWaitingRequests = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder policy(SchedulingPolicy v) {
            policy = v;
            return this;
        }

        public Builder prefillTokenWeight(double v) {
            prefillTokenWeight = v;
            return this;
        }

        public Builder prefixCaching(boolean v) {
            prefixCaching = v;
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(
                    model,
                    modelCacheDir,
                    weightType,
                    kvCacheTokens,
                    kvCacheMb,
                    blockSize,
                    maxBatchTokens,
                    maxRunningSequences,
                    maxWaitingRequests,
                    threads,
                    policy,
                    prefillTokenWeight,
                    prefixCaching);
        }
    }
}
