package dev.fairway.engine.sampling;

import java.util.Map;
import java.util.Set;

/**
 * What the sampler needs of one request's sampling parameters (the engine translates the API's SamplingParams once
 * per request; this package does not depend on the API). {@code temperature <= 0} means greedy.
 */
public record SamplerConfig(
        float temperature,
        float topP,
        int topK,
        float minP,
        float presencePenalty,
        float frequencyPenalty,
        float repetitionPenalty,
        Map<Integer, Float> logitBias,
        Set<Integer> stopTokenIds,
        boolean ignoreEos,
        int minTokens) {

    public SamplerConfig {
        logitBias = Map.copyOf(logitBias);
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }
}
