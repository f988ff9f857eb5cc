package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The sampling fields shared by chat, completions and conversation messages (OpenAI + vLLM extensions). */
public final class SamplingFields {
    public static final Set<String> NAMES = Set.of(
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "seed",
            "stop",
            "presence_penalty",
            "frequency_penalty",
            "repetition_penalty",
            "logit_bias",
            "ignore_eos",
            "min_tokens",
            "n");
    public static final int MAX_N = 16;
    private static final int MAX_STOP = 16;
    private static final long MAX_TOKENS_LIMIT = 1L << 24;

    private SamplingFields() {}

    /** Reads everything but logprobs (whose shape differs between chat and completions). */
    public static SamplingParams.Builder read(ObjectNode body, int vocabSize) {
        SamplingParams.Builder b = SamplingParams.builder();
        Integer maxTokens = Fields.optInt(body, "max_completion_tokens", 1, MAX_TOKENS_LIMIT);
        if (maxTokens == null) maxTokens = Fields.optInt(body, "max_tokens", 1, MAX_TOKENS_LIMIT);
        if (maxTokens != null) b.maxTokens(maxTokens);
        Float temperature = Fields.optFloat(body, "temperature", 0, 2);
        if (temperature != null) b.temperature(temperature);
        Float topP = Fields.optFloat(body, "top_p", 0, 1);
        if (topP != null) {
            if (topP <= 0) throw ApiError.badRequest("'top_p' must be greater than 0.", "top_p");
            b.topP(topP);
        }
        Integer topK = Fields.optInt(body, "top_k", -1, 1_000_000);
        if (topK != null) b.topK(Math.max(topK, 0)); // vLLM spells "no limit" as -1, the engine as 0
        Float minP = Fields.optFloat(body, "min_p", 0, 1);
        if (minP != null) b.minP(minP);
        b.seed(Fields.optLong(body, "seed"));
        Float presence = Fields.optFloat(body, "presence_penalty", -2, 2);
        if (presence != null) b.presencePenalty(presence);
        Float frequency = Fields.optFloat(body, "frequency_penalty", -2, 2);
        if (frequency != null) b.frequencyPenalty(frequency);
        Float repetition = Fields.optFloat(body, "repetition_penalty", 0, 10);
        if (repetition != null) {
            if (repetition <= 0)
                throw ApiError.badRequest("'repetition_penalty' must be greater than 0.", "repetition_penalty");
            b.repetitionPenalty(repetition);
        }
        b.stop(stop(body));
        b.logitBias(logitBias(body, vocabSize));
        Boolean ignoreEos = Fields.optBool(body, "ignore_eos");
        if (ignoreEos != null) b.ignoreEos(ignoreEos);
        Integer minTokens = Fields.optInt(body, "min_tokens", 0, MAX_TOKENS_LIMIT);
        if (minTokens != null) {
            if (maxTokens != null && minTokens > maxTokens) {
                throw ApiError.badRequest("'min_tokens' must not exceed 'max_tokens'.", "min_tokens");
            }
            b.minTokens(minTokens);
        }
        return b;
    }

    public static int n(ObjectNode body) {
        Integer n = Fields.optInt(body, "n", 1, MAX_N);
        return n == null ? 1 : n;
    }

    private static List<String> stop(ObjectNode body) {
        JsonNode n = body.get("stop");
        if (n == null || n.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.asText());
        } else if (n.isArray()) {
            if (n.size() > MAX_STOP)
                throw ApiError.badRequest("'stop' may hold at most " + MAX_STOP + " sequences.", "stop");
            for (JsonNode s : n) {
                if (!s.isTextual())
                    throw ApiError.badRequest("'stop' must be a string or an array of strings.", "stop");
                out.add(s.asText());
            }
        } else {
            throw ApiError.badRequest("'stop' must be a string or an array of strings.", "stop");
        }
        for (String s : out) {
            if (s.isEmpty()) throw ApiError.badRequest("'stop' sequences must not be empty.", "stop");
        }
        return out;
    }

    private static Map<Integer, Float> logitBias(ObjectNode body, int vocabSize) {
        ObjectNode bias = Fields.optObject(body, "logit_bias");
        if (bias == null) return Map.of();
        Map<Integer, Float> out = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = bias.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiError.badRequest(
                        "'logit_bias' keys must be token ids, got '" + e.getKey() + "'.", "logit_bias");
            }
            if (token < 0 || token >= vocabSize) {
                throw ApiError.badRequest(
                        "'logit_bias' token id " + token + " is outside the vocabulary (0.." + (vocabSize - 1) + ").",
                        "logit_bias");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber() || v.asDouble() < -100 || v.asDouble() > 100) {
                throw ApiError.badRequest("'logit_bias' values must be numbers between -100 and 100.", "logit_bias");
            }
            out.put(token, (float) v.asDouble());
        }
        return out;
    }
}
