package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import java.util.Set;

/** OpenAI fields this server knows but cannot honour: refused by name instead of silently ignored. */
final class UnsupportedFields {
    static final Set<String> CHAT = Set.of(
            "functions",
            "function_call",
            "audio",
            "prediction",
            "web_search_options",
            "reasoning_effort",
            "modalities");
    static final Set<String> COMPLETIONS = Set.of("suffix", "echo", "best_of");

    private UnsupportedFields() {}

    static void check(ObjectNode body, Set<String> unsupported) {
        for (String name : unsupported) {
            JsonNode v = body.get(name);
            if (v == null || v.isNull() || harmless(name, v)) continue;
            throw ApiError.badRequest("'" + name + "' is not supported by this server.", name, "unsupported_parameter");
        }
    }

    // Values that ask for nothing beyond plain text generation are accepted.
    private static boolean harmless(String name, JsonNode v) {
        return switch (name) {
            case "response_format" ->
                v.isObject() && "text".equals(v.path("type").asText());
            case "modalities" ->
                v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText());
            case "echo" -> v.isBoolean() && !v.asBoolean();
            case "tools", "functions" -> v.isArray() && v.isEmpty();
            case "tool_choice" -> "none".equals(v.asText());
            default -> false;
        };
    }
}
