package dev.fairway.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.RequestPolicy;
import dev.fairway.gateway.openai.SamplingFields;
import dev.fairway.gateway.openai.ToolFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated POST /v1/responses body. {@code input} is text or items (messages, and with function tools the
 * {@code function_call}s a previous response made and their {@code function_call_output}s); the history comes from
 * {@code previous_response_id} or {@code conversation} (not both). {@code store} defaults to true and
 * {@code truncation} to "disabled", as in OpenAI's API.
 */
record ResponseRequest(
        List<ChatMessage> input,
        String instructions,
        String previousResponseId,
        String conversationId,
        boolean store,
        boolean stream,
        boolean truncateAuto,
        SamplingParams params,
        Integer maxOutputTokens,
        ObjectNode metadata,
        String user,
        ResponseTools.Offered tools) {

    private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text");

    static ResponseRequest parse(ObjectNode body, int vocabSize) {
        RequestPolicy.RESPONSES.check(body);
        Fields.optString(body, "model", 512);
        if (SamplingFields.n(body) != 1) throw ApiError.badRequest("'n' must be 1 for responses.", "n");
        String instructions = Fields.optString(body, "instructions", Integer.MAX_VALUE);
        String previous = Fields.optString(body, "previous_response_id", 256);
        String conversation = conversation(body.get("conversation"));
        if (previous != null && conversation != null)
            throw ApiError.badRequest(
                    "'previous_response_id' and 'conversation' cannot be used together.", "conversation");
        Boolean store = Fields.optBool(body, "store");
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        ObjectNode streamOptions = Fields.optObject(body, "stream_options");
        if (streamOptions != null) {
            if (!stream)
                throw ApiError.badRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            streamOptions.fieldNames().forEachRemaining(n -> {
                if (!n.equals("include_obfuscation"))
                    throw ApiError.badRequest("Unrecognized field 'stream_options." + n + "'.", "stream_options." + n);
            });
        }
        String truncation = Fields.optString(body, "truncation", 16);
        if (truncation != null && !truncation.equals("auto") && !truncation.equals("disabled"))
            throw ApiError.badRequest("'truncation' must be \"auto\" or \"disabled\".", "truncation");
        ObjectNode metadata = Fields.optObject(body, "metadata");
        if (metadata != null && metadata.size() > 16)
            throw ApiError.badRequest("'metadata' may hold at most 16 keys.", "metadata");
        String user = Fields.optString(body, "user", 256);
        Integer maxOutput = Fields.optInt(body, "max_output_tokens", 1, 1 << 24);
        // the shared sampling fields read the Responses API's names as chat's
        ObjectNode sampling = body.deepCopy();
        sampling.remove("max_output_tokens");
        if (maxOutput != null) sampling.put("max_tokens", maxOutput);
        sampling.remove("text");
        JsonNode format = body.path("text").path("format");
        if (format.isObject() && !format.path("type").asText().equals("text")) {
            ObjectNode rf = sampling.putObject("response_format")
                    .put("type", format.path("type").asText());
            if (rf.path("type").asText().equals("json_schema")) {
                ObjectNode js = rf.putObject("json_schema");
                if (format.has("name")) js.set("name", format.get("name"));
                if (format.has("schema")) js.set("schema", format.get("schema"));
            }
        }
        SamplingParams params;
        try {
            params = SamplingFields.read(sampling, vocabSize)
                    .grammar(ToolFields.responseFormat(sampling))
                    .build();
        } catch (ApiError e) {
            // chat's names for the Responses API's text.format
            if (e.param() == null || !e.param().startsWith("response_format")) throw e;
            String field = e.param()
                    .replace("response_format.json_schema", "text.format")
                    .replace("response_format", "text.format");
            throw ApiError.badRequest(
                    e.getMessage()
                            .replace("response_format.json_schema", "text.format")
                            .replace("response_format", "text.format"),
                    field);
        }
        ResponseTools.Offered tools = ResponseTools.read(body);
        List<ChatMessage> input = input(body.get("input"));
        boolean toolItems = input.stream()
                .anyMatch(
                        m -> m.role() == ChatMessage.Role.TOOL || !m.toolCalls().isEmpty());
        if (conversation != null && (tools.tools().offered() || toolItems))
            throw ApiError.badRequest(
                    "Function tools in a 'conversation' are not supported by this server yet; use"
                            + " previous_response_id.",
                    tools.tools().offered() ? "tools" : "input",
                    "unsupported_parameter");
        if ("auto".equals(truncation) && (tools.tools().offered() || toolItems))
            throw ApiError.badRequest(
                    "'truncation': \"auto\" with function tools is not supported by this server yet.",
                    "truncation",
                    "unsupported_parameter");
        return new ResponseRequest(
                input,
                instructions,
                previous,
                conversation,
                store == null || store,
                stream,
                "auto".equals(truncation),
                params,
                maxOutput != null ? maxOutput : (body.hasNonNull("max_tokens") ? params.maxTokens() : null),
                metadata,
                user,
                tools);
    }

    private static String conversation(JsonNode c) {
        if (c == null || c.isNull()) return null;
        if (c.isTextual() && !c.asText().isEmpty()) return c.asText();
        if (c.isObject() && c.path("id").isTextual()) return c.get("id").asText();
        throw ApiError.badRequest("'conversation' must be a conversation id or {\"id\": ...}.", "conversation");
    }

    static List<ChatMessage> input(JsonNode input) {
        if (input == null || input.isNull()) throw ApiError.badRequest("'input' is required.", "input");
        if (input.isTextual()) return List.of(ChatMessage.user(input.asText()));
        if (!input.isArray() || input.isEmpty())
            throw ApiError.badRequest("'input' must be a string or a non-empty array of items.", "input");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            switch (item.path("type").asText("message")) {
                case "function_call" -> {
                    ToolCall call = new ToolCall(
                            text(item, "call_id", at), text(item, "name", at), text(item, "arguments", at));
                    ChatMessage last = out.isEmpty() ? null : out.getLast();
                    if (last != null
                            && last.role() == ChatMessage.Role.ASSISTANT
                            && !last.toolCalls().isEmpty()) {
                        List<ToolCall> calls = new ArrayList<>(last.toolCalls());
                        calls.add(call);
                        out.set(out.size() - 1, ChatMessage.assistant(last.content(), calls));
                    } else out.add(ChatMessage.assistant("", List.of(call)));
                }
                case "function_call_output" -> {
                    JsonNode output = item.get("output");
                    String result =
                            output != null && output.isTextual() ? output.asText() : content(output, at + ".output");
                    out.add(ChatMessage.toolResult(text(item, "call_id", at), result));
                }
                default -> out.add(message(item, at));
            }
        }
        return out;
    }

    private static String text(JsonNode item, String field, String at) {
        JsonNode v = item.get(field);
        if (v == null || !v.isTextual())
            throw ApiError.badRequest(at + "." + field + " must be a string.", at + "." + field);
        return v.asText();
    }

    /** A message item, as the Responses and Conversations APIs spell it (shared with conversation items). */
    static ChatMessage message(JsonNode item, String at) {
        if (!item.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
        String type = item.path("type").asText("message");
        if (!type.equals("message")) {
            throw ApiError.badRequest(
                    "Item type '" + type + "' at " + at + " is not supported by this server (messages,"
                            + " function_call and function_call_output only).",
                    at + ".type",
                    "unsupported_parameter");
        }
        ChatMessage.Role role = switch (item.path("role").asText("")) {
            case "user" -> ChatMessage.Role.USER;
            case "assistant" -> ChatMessage.Role.ASSISTANT;
            case "system", "developer" -> ChatMessage.Role.SYSTEM;
            default ->
                throw ApiError.badRequest(at + ".role must be user, assistant, system or developer.", at + ".role");
        };
        return new ChatMessage(role, content(item.get("content"), at + ".content"));
    }

    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) throw ApiError.badRequest(at + " is required.", at);
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiError.badRequest(at + " must be a string or an array of content parts.", at);
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String where = at + "[" + j + "]";
            String type = part.path("type").asText("");
            if (!TEXT_PARTS.contains(type)) {
                throw ApiError.badRequest(
                        "Content part type '" + type + "' is not supported by this server (text only).",
                        where + ".type",
                        "unsupported_content_type");
            }
            if (!part.path("text").isTextual())
                throw ApiError.badRequest(where + ".text must be a string.", where + ".text");
            if (!text.isEmpty()) text.append('\n');
            text.append(part.get("text").asText());
        }
        return text.toString();
    }

    /** Input messages as stored: [{id, role, content}], with {@code tool_calls} and {@code tool_call_id} if any. */
    static String inputJson(List<ChatMessage> input, List<String> ids) {
        var arr = Json.array();
        for (int i = 0; i < input.size(); i++) {
            ChatMessage m = input.get(i);
            ObjectNode o = arr.addObject()
                    .put("id", ids.get(i))
                    .put("role", m.role().name().toLowerCase(java.util.Locale.ROOT))
                    .put("content", m.content());
            if (!m.toolCalls().isEmpty()) {
                var calls = o.putArray("tool_calls");
                for (ToolCall c : m.toolCalls())
                    calls.addObject()
                            .put("call_id", c.id())
                            .put("name", c.name())
                            .put("arguments", c.arguments());
            }
            if (m.toolCallId() != null) o.put("tool_call_id", m.toolCallId());
        }
        return Json.write(arr);
    }

    /** A stored input message back (see {@link #inputJson}). */
    static ChatMessage stored(JsonNode m) {
        ChatMessage.Role role = ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase(java.util.Locale.ROOT));
        String content = m.path("content").asText();
        if (m.hasNonNull("tool_call_id"))
            return ChatMessage.toolResult(m.get("tool_call_id").asText(), content);
        if (m.has("tool_calls")) {
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode c : m.get("tool_calls"))
                calls.add(new ToolCall(
                        c.get("call_id").asText(),
                        c.get("name").asText(),
                        c.get("arguments").asText()));
            return ChatMessage.assistant(content, calls);
        }
        return new ChatMessage(role, content);
    }
}
