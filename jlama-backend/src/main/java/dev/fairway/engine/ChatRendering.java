package dev.fairway.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.text.ChatTurn;
import dev.fairway.engine.text.TextCodec;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolPrompt;
import dev.fairway.engine.tools.ToolSpec;
import dev.fairway.engine.tools.Tools;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chat messages and tools to prompt text. A template that renders tools gets them (and the calls and results in the
 * history) in Hugging Face's shapes; any other gets the generic fallback of {@link ToolPrompt}: the tools in the
 * system message, calls as {@code <tool_call>} blocks, results as {@code <tool_response>} blocks in user turns.
 */
final class ChatRendering {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatRendering() {}

    static String render(TextCodec codec, List<ChatMessage> messages, Tools tools) {
        boolean nativeTools = codec.templateRendersTools();
        List<ChatTurn> turns = new ArrayList<>();
        int from = 0;
        if (tools.offered() && !nativeTools) {
            String offer = ToolPrompt.systemText(tools.specs());
            // a template that drops system messages gets the offer at the start of the first user turn instead
            String role = codec.templateRendersSystem() ? "system" : "user";
            ChatMessage.Role merge = role.equals("system") ? ChatMessage.Role.SYSTEM : ChatMessage.Role.USER;
            if (!messages.isEmpty() && messages.get(0).role() == merge) {
                turns.add(new ChatTurn(role, offer + "\n\n" + messages.get(0).content()));
                from = 1;
            } else {
                turns.add(new ChatTurn(role, offer));
            }
        }
        for (ChatMessage m : messages.subList(from, messages.size())) turns.add(nativeTools ? native_(m) : generic(m));
        List<Map<String, Object>> toolList = new ArrayList<>();
        if (nativeTools && tools.offered()) for (ToolSpec t : tools.specs()) toolList.add(toolMap(t));
        return codec.renderChat(turns, toolList);
    }

    private static ChatTurn native_(ChatMessage m) {
        List<Map<String, Object>> calls = new ArrayList<>();
        for (ToolCall c : m.toolCalls()) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", c.name());
            function.put("arguments", parse(c.arguments()));
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", c.id());
            call.put("type", "function");
            call.put("function", function);
            calls.add(call);
        }
        return new ChatTurn(role(m), m.content(), calls, m.toolCallId());
    }

    private static ChatTurn generic(ChatMessage m) {
        if (m.role() == ChatMessage.Role.TOOL) return new ChatTurn("user", ToolPrompt.resultBlock(m.content()));
        if (m.toolCalls().isEmpty()) return new ChatTurn(role(m), m.content());
        StringBuilder sb = new StringBuilder(m.content());
        for (ToolCall c : m.toolCalls()) {
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(ToolPrompt.callBlock(c));
        }
        return new ChatTurn(role(m), sb.toString());
    }

    private static String role(ChatMessage m) {
        return m.role().name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> toolMap(ToolSpec t) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", t.name());
        function.put("description", t.description());
        function.put("parameters", JSON.convertValue(t.parameters(), Object.class));
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
    }

    private static Object parse(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (Exception e) {
            return json;
        }
    }
}
