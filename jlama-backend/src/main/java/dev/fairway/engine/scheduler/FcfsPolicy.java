package dev.fairway.engine.scheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** First come, first served: what vLLM, llama.cpp and Ollama do. Kept for comparison. */
public final class FcfsPolicy implements FairnessPolicy {
    private final Map<String, Double> served = new ConcurrentHashMap<>();
    private final double prefillWeight;

    public FcfsPolicy(double prefillWeight) {
        this.prefillWeight = prefillWeight;
    }

    @Override
    public double rank(Sequence s) {
        return s.arrivalNanos;
    }

    @Override
    public void charge(Sequence s, int prefillTokens, int decodeTokens) {
        served.merge(s.user, prefillTokens * prefillWeight + decodeTokens, Double::sum);
    }

    @Override
    public Map<String, Double> service() {
        return Map.copyOf(served);
    }
}
