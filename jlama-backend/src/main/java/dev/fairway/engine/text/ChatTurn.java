package dev.fairway.engine.text;

import java.util.List;
import java.util.Map;

/**
 * One message as a chat template sees it: Hugging Face's {"role", "content"} ("system", "user", "assistant",
 * "tool"), with an assistant's {@code tool_calls} ([{id, type, function: {name, arguments}}]) and a tool result's
 * {@code tool_call_id} for templates that render them.
 */
public record ChatTurn(String role, String content, List<Map<String, Object>> toolCalls, String toolCallId) {
    public ChatTurn {
        toolCalls = toolCalls == null ? List.of() : toolCalls;
    }

    public ChatTurn(String role, String content) {
        this(role, content, List.of(), null);
    }
}
