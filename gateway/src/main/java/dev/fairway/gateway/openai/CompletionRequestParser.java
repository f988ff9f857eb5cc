package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;

/** Validates a /v1/completions body: one prompt (string, [string] or token ids); logprobs is an int 0..5. */
public final class CompletionRequestParser {
    private CompletionRequestParser() {}

    public static GenerationSpec parse(ObjectNode body, int vocabSize) {
        RequestPolicy.COMPLETIONS.check(body);
        Integer bestOf = Fields.optInt(body, "best_of", 1, SamplingFields.MAX_N);
        Fields.optString(body, "model", 512);
        Prompt prompt = prompt(body.get("prompt"), vocabSize);
        SamplingParams.Builder b = SamplingFields.read(body, vocabSize);
        Integer logprobs = Fields.optInt(body, "logprobs", 0, 5);
        if (logprobs != null) b.logprobs(true).topLogprobs(logprobs);
        int n = SamplingFields.n(body);
        if (bestOf != null && bestOf != n) {
            throw ApiError.badRequest(
                    "'best_of' other than 'n' is not supported by this server.", "best_of", "unsupported_parameter");
        }
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        boolean includeUsage = StreamOptions.includeUsage(body, stream);
        String user = Fields.optString(body, "user", 256);
        boolean maxGiven = Fields.present(body, "max_tokens") || Fields.present(body, "max_completion_tokens");
        // OpenAI's legacy default is 16 tokens when max_tokens is absent.
        if (!maxGiven) b.maxTokens(16);
        return new GenerationSpec(prompt, b.build(), true, n, stream, includeUsage, user);
    }

    private static Prompt prompt(JsonNode p, int vocabSize) {
        if (p == null || p.isNull()) throw ApiError.badRequest("'prompt' is required.", "prompt");
        if (p.isTextual()) return Prompt.text(p.asText());
        if (p.isArray() && !p.isEmpty()) {
            if (p.get(0).isTextual()) {
                if (p.size() > 1)
                    throw ApiError.badRequest(
                            "Batched prompts are not supported; send one prompt per request.",
                            "prompt",
                            "unsupported_parameter");
                return Prompt.text(p.get(0).asText());
            }
            if (p.get(0).isArray())
                throw ApiError.badRequest(
                        "Batched prompts are not supported; send one prompt per request.",
                        "prompt",
                        "unsupported_parameter");
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = p.get(i);
                if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocabSize) {
                    throw ApiError.badRequest(
                            "'prompt' token ids must be integers in 0.." + (vocabSize - 1) + ".", "prompt");
                }
                ids[i] = t.asInt();
            }
            return Prompt.tokens(ids);
        }
        throw ApiError.badRequest(
                "'prompt' must be a string, an array with one string, or an array of token ids.", "prompt");
    }
}
