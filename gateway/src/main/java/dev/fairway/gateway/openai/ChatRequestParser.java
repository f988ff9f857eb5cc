package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.tools.Tools;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Validates a /v1/chat/completions body into a GenerationSpec. */
public final class ChatRequestParser {
    /** Chat's "text", and the Responses/Conversations spellings of the same thing. */
    private static final Set<String> TEXT_PARTS = Set.of("text", "input_text", "output_text");

    private ChatRequestParser() {}

    public static GenerationSpec parse(ObjectNode body, int vocabSize) {
        RequestPolicy.CHAT.check(body);
        Fields.optString(body, "model", 512);
        List<ChatMessage> messages = messages(body.get("messages"));
        Tools tools = ToolFields.tools(body);
        SamplingParams.Builder b = SamplingFields.read(body, vocabSize);
        b.grammar(ToolFields.responseFormat(body));
        boolean logprobs = Boolean.TRUE.equals(Fields.optBool(body, "logprobs"));
        Integer top = Fields.optInt(body, "top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        if (top != null && top > 0 && !logprobs) {
            throw ApiError.badRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        }
        b.logprobs(logprobs).topLogprobs(top == null ? 0 : top);
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        boolean includeUsage = StreamOptions.includeUsage(body, stream);
        String user = Fields.optString(body, "user", 256);
        boolean maxGiven = Fields.present(body, "max_tokens") || Fields.present(body, "max_completion_tokens");
        return new GenerationSpec(
                Prompt.chat(messages, tools), b.build(), maxGiven, SamplingFields.n(body), stream, includeUsage, user);
    }

    public static List<ChatMessage> messages(JsonNode node) {
        if (node == null || node.isNull()) throw ApiError.badRequest("'messages' is required.", "messages");
        if (!node.isArray() || node.isEmpty())
            throw ApiError.badRequest("'messages' must be a non-empty array.", "messages");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) out.add(message(node.get(i), "messages[" + i + "]"));
        return out;
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) throw ApiError.badRequest(where + " must be an object.", where);
        m.fieldNames().forEachRemaining(name -> {
            if (!Set.of("role", "content", "name", "tool_calls", "tool_call_id", "refusal")
                    .contains(name)) {
                if (name.equals("function_call") || name.equals("audio")) {
                    throw ApiError.badRequest(
                            "'" + where + "." + name + "' is not supported by this server.",
                            where + "." + name,
                            "unsupported_parameter");
                }
                throw ApiError.badRequest("Unrecognized field '" + name + "' in " + where + ".", where + "." + name);
            }
        });
        JsonNode roleNode = m.get("role");
        if (roleNode == null || !roleNode.isTextual())
            throw ApiError.badRequest(where + ".role must be a string.", where + ".role");
        ChatMessage.Role role = switch (roleNode.asText()) {
            case "system", "developer" -> ChatMessage.Role.SYSTEM;
            case "user" -> ChatMessage.Role.USER;
            case "assistant" -> ChatMessage.Role.ASSISTANT;
            case "tool" -> ChatMessage.Role.TOOL;
            case "function" ->
                throw ApiError.badRequest(
                        "Role '" + roleNode.asText() + "' is not supported by this server (no tool calling).",
                        where + ".role",
                        "unsupported_parameter");
            default ->
                throw ApiError.badRequest(
                        "Invalid role '" + roleNode.asText() + "' in " + where + ".", where + ".role");
        };
        if (m.has("name") && !m.get("name").isTextual())
            throw ApiError.badRequest(where + ".name must be a string.", where + ".name");
        if (role == ChatMessage.Role.ASSISTANT && m.has("tool_calls")) {
            var calls = ToolFields.calls(m.get("tool_calls"), where + ".tool_calls");
            JsonNode c = m.get("content");
            String text = c == null || c.isNull() ? "" : content(c, where + ".content");
            return ChatMessage.assistant(text, calls);
        }
        if (role == ChatMessage.Role.TOOL) {
            JsonNode id = m.get("tool_call_id");
            if (id == null || !id.isTextual())
                throw ApiError.badRequest(where + ".tool_call_id must be a string.", where + ".tool_call_id");
            return ChatMessage.toolResult(id.asText(), content(m.get("content"), where + ".content"));
        }
        return new ChatMessage(role, content(m.get("content"), where + ".content"));
    }

    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) throw ApiError.badRequest(where + " is required.", where);
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiError.badRequest(where + " must be a string or an array of content parts.", where);
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String at = where + "[" + j + "]";
            String type = part.path("type").asText("");
            if (!TEXT_PARTS.contains(type)) {
                String shown = type.isEmpty() ? "missing" : "'" + type + "'";
                throw ApiError.badRequest(
                        "Content part type " + shown + " is not supported by this server (text only).",
                        at + ".type",
                        "unsupported_content_type");
            }
            JsonNode t = part.get("text");
            if (t == null || !t.isTextual()) throw ApiError.badRequest(at + ".text must be a string.", at + ".text");
            if (!text.isEmpty()) text.append('\n');
            text.append(t.asText());
        }
        return text.toString();
    }
}
