package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.ChatRequestParser;
import dev.fairway.gateway.openai.ChatShape;
import dev.fairway.gateway.store.ConversationStore.Conversation;
import dev.fairway.gateway.store.ConversationStore.Message;
import dev.fairway.gateway.store.ConversationStore.NewMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Conversation JSON both ways: response shapes (times in seconds) and the metadata/items request fields. */
public final class ConversationJson {
    private ConversationJson() {}

    static ObjectNode summary(Conversation c) {
        ObjectNode o = Json.object()
                .put("id", c.id())
                .put("object", "conversation")
                .put("title", c.title())
                .put("preview", c.preview())
                .put("created_at", c.createdAt() / 1000)
                .put("updated_at", c.updatedAt() / 1000);
        o.set("metadata", parseMetadata(c.metadataJson()));
        return o;
    }

    static ObjectNode conversation(Conversation c, List<Message> messages) {
        ObjectNode o = summary(c);
        ArrayNode arr = o.putArray("messages");
        for (Message m : messages) arr.add(message(m));
        return o;
    }

    /** As a chat message, plus id, status and time: an assistant's tool_calls, a tool result's tool_call_id. */
    static ObjectNode message(Message m) {
        ObjectNode o = Json.object()
                .put("id", m.id())
                .put("type", "message")
                .put("role", m.role())
                .put("content", m.content());
        if (!m.toolCalls().isEmpty()) o.set("tool_calls", ChatShape.toolCallsJson(m.toolCalls()));
        if (m.toolCallId() != null) o.put("tool_call_id", m.toolCallId());
        return o.put("status", m.status()).put("created_at", m.createdAt() / 1000);
    }

    /** A stored message as a turn of the prompt. */
    public static ChatMessage chat(Message m) {
        return new ChatMessage(
                ChatMessage.Role.valueOf(m.role().toUpperCase(Locale.ROOT)),
                m.content(),
                m.toolCalls(),
                m.toolCallId());
    }

    /** A request's message, to store. */
    static NewMessage stored(ChatMessage m) {
        return new NewMessage(
                m.role().name().toLowerCase(Locale.ROOT), m.content(), "completed", m.toolCalls(), m.toolCallId());
    }

    /**
     * A stored message as OpenAI conversation items: a message item for its text; an assistant's tool calls as
     * function_call items after it (the first item of a message has the message's id, the others the id and
     * "_" and their position); a tool result as a function_call_output item.
     */
    static List<ObjectNode> items(Message m) {
        if (m.role().equals("tool")) {
            return List.of(Json.object()
                    .put("id", m.id())
                    .put("type", "function_call_output")
                    .put("call_id", m.toolCallId())
                    .put("output", m.content())
                    .put("status", "completed"));
        }
        List<ObjectNode> out = new ArrayList<>();
        if (m.toolCalls().isEmpty() || !m.content().isBlank()) out.add(item(m.id(), m.role(), m.content(), m.status()));
        for (ToolCall call : m.toolCalls()) {
            out.add(Json.object()
                    .put("id", out.isEmpty() ? m.id() : m.id() + "_" + out.size())
                    .put("type", "function_call")
                    .put("call_id", call.id())
                    .put("name", call.name())
                    .put("arguments", call.arguments())
                    .put("status", m.status().equals("partial") ? "incomplete" : m.status()));
        }
        return out;
    }

    /**
     * A message as the OpenAI Conversations and Responses APIs show items: content parts, input_text for everyone but
     * the model; a stopped reply is "incomplete".
     */
    public static ObjectNode item(String id, String role, String content, String status) {
        ObjectNode item = Json.object()
                .put("id", id)
                .put("type", "message")
                .put("status", status.equals("partial") ? "incomplete" : status)
                .put("role", role);
        ArrayNode parts = item.putArray("content");
        ObjectNode part = parts.addObject()
                .put("type", role.equals("assistant") ? "output_text" : "input_text")
                .put("text", content);
        if (role.equals("assistant")) {
            part.putArray("annotations");
            part.putArray("logprobs");
        }
        return item;
    }

    private static JsonNode parseMetadata(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            return Json.object();
        }
    }

    /** OpenAI metadata: at most 16 string pairs, keys <= 64 and values <= 512 characters. */
    static String metadata(ObjectNode body) {
        ObjectNode m = Fields.optObject(body, "metadata");
        if (m == null) return null;
        if (m.size() > 16) throw ApiError.badRequest("'metadata' may hold at most 16 keys.", "metadata");
        m.fields().forEachRemaining(e -> {
            if (e.getKey().length() > 64
                    || !e.getValue().isTextual()
                    || e.getValue().asText().length() > 512) {
                throw ApiError.badRequest("'metadata' maps keys (<= 64 chars) to strings (<= 512 chars).", "metadata");
            }
        });
        return Json.write(m);
    }

    static List<ChatMessage> items(JsonNode items) {
        if (items == null || items.isNull()) return List.of();
        if (!items.isArray() || items.size() > 20)
            throw ApiError.badRequest("'items' must be an array of at most 20 messages.", "items");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode it = items.get(i);
            String at = "items[" + i + "]";
            if (!it.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
            String type = it.path("type").asText("message");
            switch (type) {
                case "function_call" -> {
                    ToolCall call =
                            new ToolCall(text(it, "call_id", at), text(it, "name", at), text(it, "arguments", at));
                    int last = out.size() - 1;
                    // consecutive calls are one assistant message, as the model made them
                    if (last >= 0
                            && i > 0
                            && "function_call"
                                    .equals(items.get(i - 1).path("type").asText())) {
                        List<ToolCall> calls = new ArrayList<>(out.get(last).toolCalls());
                        calls.add(call);
                        out.set(last, ChatMessage.assistant("", calls));
                    } else {
                        out.add(ChatMessage.assistant("", List.of(call)));
                    }
                }
                case "function_call_output" ->
                    out.add(ChatMessage.toolResult(text(it, "call_id", at), text(it, "output", at)));
                case "message" -> {
                    ObjectNode copy = ((ObjectNode) it).deepCopy();
                    copy.remove("type");
                    out.add(ChatRequestParser.messages(Json.array().add(copy)).get(0));
                }
                default ->
                    throw ApiError.badRequest(
                            at + ".type must be 'message', 'function_call' or 'function_call_output'.",
                            at + ".type",
                            "unsupported_parameter");
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
}
