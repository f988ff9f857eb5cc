package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.SamplingFields;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A conversation's settings, kept in its metadata (string values, as OpenAI's metadata allows) so that every client
 * continues a conversation the way it was set up: `system` is sent to the model as a system message ahead of the
 * history, and `model`, `temperature`, `top_p`, `top_k`, `max_tokens`, `seed` are the defaults of each turn (a
 * field of the turn's own body wins). An empty value means unset. Values are checked when metadata is written.
 */
final class ConversationSettings {
    static final String SYSTEM = "system";
    static final String MODEL = "model";
    /** Sampling keys and whether they are integers (else decimals). */
    private static final Map<String, Boolean> SAMPLING =
            Map.of("temperature", false, "top_p", false, "top_k", true, "max_tokens", true, "seed", true);

    private ConversationSettings() {}

    /** Refuses metadata whose settings keys would make every turn fail (400 naming the key). */
    static void validate(String metadataJson) {
        if (metadataJson == null) return;
        ObjectNode asBody = sampling(parse(metadataJson));
        try {
            SamplingFields.read(asBody, Integer.MAX_VALUE);
        } catch (ApiError e) {
            throw ApiError.badRequest(
                    "metadata: " + e.getMessage(), e.param() == null ? "metadata" : "metadata." + e.param());
        }
    }

    /** The turn's body with the conversation's settings filled in where the body has none. */
    static ObjectNode withDefaults(ObjectNode body, String metadataJson) {
        JsonNode metadata = parse(metadataJson);
        ObjectNode out = body.deepCopy();
        ObjectNode sampling = sampling(metadata);
        sampling.fields().forEachRemaining(e -> {
            boolean given = out.hasNonNull(e.getKey())
                    || (e.getKey().equals("max_tokens") && out.hasNonNull("max_completion_tokens"));
            if (!given) out.set(e.getKey(), e.getValue());
        });
        String model = text(metadata, MODEL);
        if (model != null && !out.hasNonNull(MODEL)) out.put(MODEL, model);
        return out;
    }

    /** The model the conversation is set to, or null. */
    static String model(String metadataJson) {
        return text(parse(metadataJson), MODEL);
    }

    /** The system message to put ahead of the history, if the conversation has one. */
    static List<ChatMessage> system(String metadataJson) {
        String system = text(parse(metadataJson), SYSTEM);
        return system == null ? List.of() : List.of(new ChatMessage(ChatMessage.Role.SYSTEM, system));
    }

    /** The sampling settings as a request body would spell them (numbers); a value that is no number is a 400. */
    private static ObjectNode sampling(JsonNode metadata) {
        ObjectNode out = Json.object();
        SAMPLING.forEach((key, integer) -> {
            String v = text(metadata, key);
            if (v == null) return;
            try {
                BigDecimal n = new BigDecimal(v.trim());
                if (integer) out.put(key, n.longValueExact());
                else out.put(key, n.doubleValue());
            } catch (NumberFormatException | ArithmeticException e) {
                throw ApiError.badRequest(
                        "metadata: '" + key + "' must be " + (integer ? "an integer" : "a number")
                                + " written as a string (or empty for the default), got '" + v + "'.",
                        "metadata." + key);
            }
        });
        return out;
    }

    private static String text(JsonNode metadata, String key) {
        JsonNode v = metadata.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank()) return null;
        return v.asText();
    }

    private static JsonNode parse(String json) {
        if (json == null) return Json.object();
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return n != null && n.isObject() ? n : Json.object();
        } catch (Exception e) {
            return Json.object();
        }
    }
}
