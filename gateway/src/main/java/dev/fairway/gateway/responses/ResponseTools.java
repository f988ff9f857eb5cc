package dev.fairway.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.engine.tools.Tools;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.ToolFields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Function tools in the Responses API's spelling ({@code {type: "function", name, parameters}} and
 * {@code tool_choice: {type: "function", name}}), read by chat completions' {@link ToolFields} so both validate and
 * prompt alike. A response's calls are found in the model's text by the same {@link ToolCallExtractor}; their ids
 * derive from the response's id, so a stored response reads back with the ids its client saw.
 */
final class ResponseTools {
    private ResponseTools() {}

    /** The request's tools, with the echo a response carries ({@code tools}, {@code tool_choice}). */
    record Offered(Tools tools, ArrayNode toolsEcho, JsonNode toolChoiceEcho) {
        static final Offered NONE = new Offered(
                Tools.NONE, Json.array(), Json.MAPPER.getNodeFactory().textNode("auto"));
    }

    static Offered read(ObjectNode body) {
        JsonNode tools = body.get("tools");
        JsonNode choice = body.get("tool_choice");
        ObjectNode chat = Json.object();
        ArrayNode echo = Json.array();
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) throw ApiError.badRequest("'tools' must be an array.", "tools");
            ArrayNode list = chat.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                String at = "tools[" + i + "]";
                if (!t.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
                String type = t.path("type").asText("");
                if (!type.equals("function"))
                    throw ApiError.badRequest(
                            "Tool type '" + type + "' is not supported by this server (function tools only).",
                            at + ".type",
                            "unsupported_parameter");
                ObjectNode f = list.addObject().put("type", "function").putObject("function");
                for (String field : List.of("name", "description", "parameters"))
                    if (t.has(field) && !t.get(field).isNull()) f.set(field, t.get(field));
                ObjectNode shown = Json.object().put("type", "function");
                shown.set("name", t.get("name"));
                shown.set("description", t.path("description").isTextual() ? t.get("description") : null);
                shown.set("parameters", t.get("parameters"));
                shown.put("strict", t.path("strict").asBoolean(true));
                echo.add(shown);
            }
        }
        if (choice != null && !choice.isNull()) {
            if (choice.isObject()) {
                if (!"function".equals(choice.path("type").asText())
                        || !choice.path("name").isTextual())
                    throw ApiError.badRequest(
                            "'tool_choice' must be 'auto', 'none', 'required' or {\"type\": \"function\", \"name\":"
                                    + " ...}.",
                            "tool_choice");
                chat.putObject("tool_choice")
                        .put("type", "function")
                        .putObject("function")
                        .put("name", choice.get("name").asText());
            } else chat.set("tool_choice", choice);
        }
        if (body.has("parallel_tool_calls")) chat.set("parallel_tool_calls", body.get("parallel_tool_calls"));
        Tools parsed;
        try {
            parsed = ToolFields.tools(chat);
        } catch (ApiError e) {
            // chat's nesting (tools[i].function.name) in the Responses API's flat spelling
            String param = e.param() == null ? null : e.param().replace(".function.", ".");
            throw new ApiError(
                    e.status(),
                    e.type(),
                    e.code(),
                    param,
                    e.getMessage().replace(".function.", "."),
                    e.retryAfterSeconds());
        }
        return new Offered(parsed, echo, choiceEcho(choice));
    }

    private static JsonNode choiceEcho(JsonNode choice) {
        return choice == null || choice.isNull() ? Json.MAPPER.getNodeFactory().textNode("auto") : choice;
    }

    /** What a response said: its text without the calls, and the calls with this response's ids. */
    record Output(String content, List<ToolCall> calls) {}

    /** Splits {@code raw} (the model's text) when tools were offered ({@code names} not empty). */
    static Output split(String responseId, Set<String> names, String raw) {
        if (names.isEmpty()) return new Output(raw, List.of());
        ToolCallExtractor x = new ToolCallExtractor(names);
        x.feed(raw);
        x.finish();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < x.calls().size(); i++) {
            ToolCall c = x.calls().get(i);
            calls.add(new ToolCall(callId(responseId, i), c.name(), c.arguments()));
        }
        return new Output(x.content(), calls);
    }

    /** The tool names a response offered, from its echoed {@code tools}. */
    static Set<String> names(JsonNode toolsEcho) {
        Set<String> names = new HashSet<>();
        if (toolsEcho != null)
            for (JsonNode t : toolsEcho) names.add(t.path("name").asText());
        return names;
    }

    static String callId(String responseId, int index) {
        return "call_" + suffix(responseId) + "_" + index;
    }

    static String itemId(String responseId, int index) {
        return "fc_" + suffix(responseId) + "_" + index;
    }

    private static String suffix(String responseId) {
        return responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
    }

    /** A function_call output item. */
    static ObjectNode callItem(String responseId, int index, ToolCall call, String arguments, String status) {
        return Json.object()
                .put("id", itemId(responseId, index))
                .put("type", "function_call")
                .put("status", status)
                .put("arguments", arguments)
                .put("call_id", call == null ? callId(responseId, index) : call.id())
                .put("name", call == null ? "" : call.name());
    }
}
