package dev.fairway.gateway.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.tools.ToolCall;
import java.util.ArrayList;
import java.util.List;

/** messages.tool_calls: a JSON array shaped like a chat message's tool_calls; NULL for a message without calls. */
final class ToolCallsColumn {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallsColumn() {}

    static String write(List<ToolCall> calls) {
        if (calls.isEmpty()) return null;
        ArrayNode array = JSON.createArrayNode();
        for (ToolCall call : calls) {
            ObjectNode o = array.addObject().put("id", call.id()).put("type", "function");
            o.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
        return array.toString();
    }

    static List<ToolCall> read(String json) {
        if (json == null) return List.of();
        try {
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode c : JSON.readTree(json)) {
                JsonNode f = c.path("function");
                calls.add(new ToolCall(
                        c.path("id").asText(),
                        f.path("name").asText(),
                        f.path("arguments").asText()));
            }
            return calls;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("messages.tool_calls holds no JSON array: " + json, e);
        }
    }
}
