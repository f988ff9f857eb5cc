package dev.fairway.langchain4j;

import static dev.langchain4j.internal.Utils.getOrDefault;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;

/**
 * LangChain4j's common chat parameters plus the sampling knobs of the Fairway engine that LangChain4j has no
 * common name for: {@code minP}, {@code seed} and {@code repetitionPenalty} ({@code topK} is already common).
 * Usable as a model's default parameters and per request; merging keeps the Fairway-specific values.
 */
public class LocalChatRequestParameters extends DefaultChatRequestParameters {

    public static final LocalChatRequestParameters EMPTY = builder().build();

    private final Double minP;
    private final Long seed;
    private final Double repetitionPenalty;

    protected LocalChatRequestParameters(Builder builder) {
        super(builder);
        this.minP = builder.minP;
        this.seed = builder.seed;
        this.repetitionPenalty = builder.repetitionPenalty;
    }

    /** Drop tokens whose probability is below {@code minP} times the top token's (0 = off). */
    public Double minP() {
        return minP;
    }

    /** Sampling seed: the same seed, prompt and parameters give the same output. Null = random. */
    public Long seed() {
        return seed;
    }

    /** HF/vLLM-style repetition penalty on tokens already in prompt or output (1 = off). */
    public Double repetitionPenalty() {
        return repetitionPenalty;
    }

    @Override
    public LocalChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public LocalChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass() || !super.equals(o)) return false;
        LocalChatRequestParameters that = (LocalChatRequestParameters) o;
        return Objects.equals(minP, that.minP)
                && Objects.equals(seed, that.seed)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), minP, seed, repetitionPenalty);
    }

    @Override
    public String toString() {
        return "LocalChatRequestParameters{modelName=" + modelName() + ", temperature=" + temperature()
                + ", topP=" + topP() + ", topK=" + topK() + ", minP=" + minP + ", seed=" + seed
                + ", repetitionPenalty=" + repetitionPenalty + ", frequencyPenalty=" + frequencyPenalty()
                + ", presencePenalty=" + presencePenalty() + ", maxOutputTokens=" + maxOutputTokens()
                + ", stopSequences=" + stopSequences() + ", toolSpecifications=" + toolSpecifications()
                + ", toolChoice=" + toolChoice() + ", responseFormat=" + responseFormat() + '}';
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {

        private Double minP;
        private Long seed;
        private Double repetitionPenalty;

        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof LocalChatRequestParameters local) {
                minP(getOrDefault(local.minP, minP));
                seed(getOrDefault(local.seed, seed));
                repetitionPenalty(getOrDefault(local.repetitionPenalty, repetitionPenalty));
            }
            return this;
        }

        public Builder minP(Double minP) {
            this.minP = minP;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder repetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        @Override
        public LocalChatRequestParameters build() {
            return new LocalChatRequestParameters(this);
        }
    }
}
