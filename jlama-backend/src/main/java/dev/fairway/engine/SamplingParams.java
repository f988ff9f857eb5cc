package dev.fairway.engine;

import dev.fairway.engine.grammar.Grammar;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-request decoding parameters, OpenAI/vLLM semantics. {@code temperature == 0} means greedy.
 * A null {@code seed} means "draw one": the engine picks a random seed and reports nothing. A non-null
 * {@code grammar} constrains the output (structured outputs, tool calls): only tokens that keep it valid are drawn,
 * and the sequence ends when the grammar is complete.
 */
public record SamplingParams(
        int maxTokens,
        float temperature,
        float topP,
        int topK,
        float minP,
        Long seed,
        float presencePenalty,
        float frequencyPenalty,
        float repetitionPenalty,
        List<String> stop,
        Set<Integer> stopTokenIds,
        Map<Integer, Float> logitBias,
        boolean logprobs,
        int topLogprobs,
        boolean ignoreEos,
        int minTokens,
        Grammar grammar) {

    public static final int MAX_TOP_LOGPROBS = 20;

    public SamplingParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SamplingParams greedy(int maxTokens) {
        return builder().maxTokens(maxTokens).temperature(0).build();
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    public Builder toBuilder() {
        return new Builder()
                .maxTokens(maxTokens)
                .temperature(temperature)
                .topP(topP)
                .topK(topK)
                .minP(minP)
                .seed(seed)
                .presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty)
                .repetitionPenalty(repetitionPenalty)
                .stop(stop)
                .stopTokenIds(stopTokenIds)
                .logitBias(logitBias)
                .logprobs(logprobs)
                .topLogprobs(topLogprobs)
                .ignoreEos(ignoreEos)
                .minTokens(minTokens)
                .grammar(grammar);
    }

    public static final class Builder {
        private int maxTokens = 256;
        private float temperature = 1f;
        private float topP = 1f;
        private int topK = 0;
        private float minP = 0f;
        private Long seed;
        private float presencePenalty;
        private float frequencyPenalty;
        private float repetitionPenalty = 1f;
        private List<String> stop = List.of();
        private Set<Integer> stopTokenIds = Set.of();
        private Map<Integer, Float> logitBias = Map.of();
        private boolean logprobs;
        private int topLogprobs;
        private boolean ignoreEos;
        private int minTokens;
        private Grammar grammar;

        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        public Builder temperature(float v) {
            temperature = v;
            return this;
        }

        public Builder topP(float v) {
            topP = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder minP(float v) {
            minP = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder presencePenalty(float v) {
            presencePenalty = v;
            return this;
        }

        public Builder frequencyPenalty(float v) {
            frequencyPenalty = v;
            return this;
        }

        public Builder repetitionPenalty(float v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder stop(List<String> v) {
            stop = v;
            return this;
        }

        public Builder stopTokenIds(Set<Integer> v) {
            stopTokenIds = v;
            return this;
        }

        public Builder logitBias(Map<Integer, Float> v) {
            logitBias = v;
            return this;
        }

        public Builder logprobs(boolean v) {
            logprobs = v;
            return this;
        }

        public Builder topLogprobs(int v) {
            topLogprobs = v;
            return this;
        }

        public Builder ignoreEos(boolean v) {
            ignoreEos = v;
            return this;
        }

        public Builder minTokens(int v) {
            minTokens = v;
            return this;
        }

        public Builder grammar(Grammar v) {
            grammar = v;
            return this;
        }

        public SamplingParams build() {
            return new SamplingParams(
                    maxTokens,
                    temperature,
                    topP,
                    topK,
                    minP,
                    seed,
                    presencePenalty,
                    frequencyPenalty,
                    repetitionPenalty,
                    stop,
                    stopTokenIds,
                    logitBias,
                    logprobs,
                    topLogprobs,
                    ignoreEos,
                    minTokens,
                    grammar);
        }
    }
}
