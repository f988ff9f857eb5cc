package dev.fairway.engine;

import dev.fairway.engine.model.Model;
import java.util.Map;

/** Rejects parameters that can never work, naming the OpenAI field, before anything is queued. */
final class RequestValidator {
    private RequestValidator() {}

    static void validate(GenerationRequest r, Model model) {
        SamplingParams p = r.params();
        int vocab = model.config().vocab();
        check(p.maxTokens() >= 1, "max_tokens must be at least 1", "max_tokens");
        check(
                Float.isFinite(p.temperature()) && p.temperature() >= 0 && p.temperature() <= 2,
                "temperature must be between 0 and 2",
                "temperature");
        check(Float.isFinite(p.topP()) && p.topP() > 0 && p.topP() <= 1, "top_p must be in (0, 1]", "top_p");
        check(p.topK() >= 0, "top_k must be >= 0 (0 disables it)", "top_k");
        check(Float.isFinite(p.minP()) && p.minP() >= 0 && p.minP() <= 1, "min_p must be in [0, 1]", "min_p");
        check(
                Float.isFinite(p.presencePenalty()) && Math.abs(p.presencePenalty()) <= 2,
                "presence_penalty must be between -2 and 2",
                "presence_penalty");
        check(
                Float.isFinite(p.frequencyPenalty()) && Math.abs(p.frequencyPenalty()) <= 2,
                "frequency_penalty must be between -2 and 2",
                "frequency_penalty");
        check(
                Float.isFinite(p.repetitionPenalty()) && p.repetitionPenalty() > 0 && p.repetitionPenalty() <= 10,
                "repetition_penalty must be in (0, 10]",
                "repetition_penalty");
        check(
                p.topLogprobs() >= 0 && p.topLogprobs() <= SamplingParams.MAX_TOP_LOGPROBS,
                "top_logprobs must be between 0 and " + SamplingParams.MAX_TOP_LOGPROBS,
                "top_logprobs");
        check(
                p.minTokens() >= 0 && p.minTokens() <= p.maxTokens(),
                "min_tokens must be between 0 and max_tokens",
                "min_tokens");
        check(p.stop().size() <= 16, "at most 16 stop sequences", "stop");
        check(r.n() <= 16, "n must be at most 16", "n");
        for (Map.Entry<Integer, Float> e : p.logitBias().entrySet()) {
            check(
                    e.getKey() >= 0 && e.getKey() < vocab,
                    "logit_bias token " + e.getKey() + " is outside the vocabulary",
                    "logit_bias");
            check(
                    Float.isFinite(e.getValue()) && Math.abs(e.getValue()) <= 100,
                    "logit_bias values must be between -100 and 100",
                    "logit_bias");
        }
        for (int t : p.stopTokenIds())
            check(t >= 0 && t < vocab, "stop token " + t + " is outside the vocabulary", "stop_token_ids");
    }

    private static void check(boolean ok, String message, String param) {
        if (!ok) throw new InvalidRequestException(message, param);
    }
}
