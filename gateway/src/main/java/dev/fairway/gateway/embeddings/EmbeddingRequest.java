package dev.fairway.gateway.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.openai.RequestPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated /v1/embeddings body: {@code input} as a string, an array of strings, an array of token ids or an array
 * of token-id arrays; {@code encoding_format} float or base64; {@code dimensions} only the model's own.
 */
record EmbeddingRequest(List<Prompt> inputs, boolean base64, Integer dimensions) {
    /** OpenAI's limit on inputs per request. */
    static final int MAX_INPUTS = 2048;

    static final RequestPolicy POLICY = new RequestPolicy(
            "embeddings", Set.of("model", "input", "encoding_format", "dimensions", "user"), Map.of());

    static EmbeddingRequest parse(ObjectNode body) {
        POLICY.check(body);
        Fields.optString(body, "model", 512);
        Fields.optString(body, "user", 256);
        String format = Fields.optString(body, "encoding_format", 16);
        if (format != null && !format.equals("float") && !format.equals("base64"))
            throw ApiError.badRequest("'encoding_format' must be \"float\" or \"base64\".", "encoding_format");
        Integer dimensions = Fields.optInt(body, "dimensions", 1, 1 << 20);
        return new EmbeddingRequest(inputs(body.get("input")), "base64".equals(format), dimensions);
    }

    static List<Prompt> inputs(JsonNode input) {
        if (input == null || input.isNull()) throw ApiError.badRequest("'input' is required.", "input");
        if (input.isTextual()) return List.of(text(input, "input"));
        if (!input.isArray() || input.isEmpty())
            throw ApiError.badRequest(
                    "'input' must be a string, an array of strings or an array of token-id arrays.", "input");
        if (input.size() > MAX_INPUTS)
            throw ApiError.badRequest("'input' may hold at most " + MAX_INPUTS + " items.", "input");
        if (input.get(0).isIntegralNumber()) return List.of(tokens(input, "input"));
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (item.isTextual()) out.add(text(item, at));
            else if (item.isArray()) out.add(tokens(item, at));
            else throw ApiError.badRequest(at + " must be a string or an array of token ids.", at);
        }
        return out;
    }

    private static Prompt text(JsonNode t, String at) {
        if (t.asText().isEmpty()) throw ApiError.badRequest(at + " must not be empty.", at);
        return Prompt.text(t.asText());
    }

    /** Ids are range-checked against the vocabulary by the engine once the model is loaded. */
    private static Prompt tokens(JsonNode arr, String at) {
        if (arr.isEmpty()) throw ApiError.badRequest(at + " must not be empty.", at);
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0)
                throw ApiError.badRequest(at + " must hold non-negative integer token ids.", at);
            ids[i] = t.asInt();
        }
        return Prompt.tokens(ids);
    }
}
