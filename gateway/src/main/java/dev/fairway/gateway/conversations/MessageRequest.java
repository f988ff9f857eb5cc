package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.tools.Tools;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.ChatRequestParser;
import dev.fairway.gateway.openai.GenerationSpec;

/**
 * Body of POST /v1/conversations/{id}/messages: the new turn plus the chat-completions generation fields (tools and
 * tool_choice included). The turn is the user's {@code content}; or, with {@code "role": "tool"}, the result of one of
 * the conversation's tool calls ({@code tool_call_id} and {@code content}, as in a chat {@code tool} message); or,
 * instead, {@code "regenerate": true}: a new reply to the last user message or tool result, replacing the reply after
 * it. {@code "truncation"}: {@code "auto"} (the default) leaves the oldest turns out of the prompt when the history
 * does not fit the context, {@code "disabled"} sends it whole (and a too long one is a 400), as in OpenAI's Responses
 * API.
 */
record MessageRequest(ChatMessage turn, boolean regenerate, String model, GenerationSpec spec, boolean truncate) {

    /** The tools this turn offers (Tools.NONE when none). */
    Tools tools() {
        return ((Prompt.Chat) spec.prompt()).tools();
    }

    static MessageRequest parse(ObjectNode body, int vocabSize) {
        boolean regenerate = Boolean.TRUE.equals(Fields.optBool(body, "regenerate"));
        if (regenerate && Fields.present(body, "content")) {
            throw ApiError.badRequest(
                    "Send 'content' (a new turn) or 'regenerate': true (a new last reply), not both.", "regenerate");
        }
        if (!regenerate && !Fields.present(body, "content"))
            throw ApiError.badRequest("'content' is required.", "content");
        if (body.has("messages"))
            throw ApiError.badRequest("Send 'content'; the history comes from the conversation.", "messages");
        String truncation = Fields.optString(body, "truncation", 16);
        if (truncation != null && !truncation.equals("auto") && !truncation.equals("disabled")) {
            throw ApiError.badRequest("'truncation' must be \"auto\" or \"disabled\".", "truncation");
        }
        String role = Fields.optString(body, "role", 16);
        if (role != null && !role.equals("user") && !role.equals("tool"))
            throw ApiError.badRequest("'role' must be \"user\" or \"tool\" (a tool call's result).", "role");
        boolean toolResult = "tool".equals(role);
        if (toolResult && regenerate)
            throw ApiError.badRequest("A tool result is a new turn: it cannot be sent with 'regenerate'.", "role");
        if (!toolResult && body.has("tool_call_id"))
            throw ApiError.badRequest("'tool_call_id' goes with \"role\": \"tool\".", "tool_call_id");
        // Reuse the chat validator: the new turn stands in for 'messages'.
        ObjectNode asChat = body.deepCopy();
        for (String own : new String[] {"content", "regenerate", "truncation", "role", "tool_call_id"})
            asChat.remove(own);
        ObjectNode message = Json.object().put("role", toolResult ? "tool" : "user");
        if (toolResult && body.has("tool_call_id")) message.set("tool_call_id", body.get("tool_call_id"));
        message.set("content", regenerate ? Json.MAPPER.getNodeFactory().textNode("") : body.get("content"));
        asChat.set("messages", Json.array().add(message));
        GenerationSpec spec;
        try {
            spec = ChatRequestParser.parse(asChat, vocabSize);
        } catch (ApiError e) {
            if (e.param() != null && e.param().startsWith("messages[0].")) {
                throw ApiError.badRequest(
                        e.getMessage().replace("messages[0].", ""),
                        e.param().substring("messages[0].".length()),
                        e.code());
            }
            throw e;
        }
        if (spec.n() != 1) throw ApiError.badRequest("'n' must be 1 for conversation messages.", "n");
        ChatMessage turn = ((Prompt.Chat) spec.prompt()).messages().get(0);
        return new MessageRequest(
                regenerate ? null : turn,
                regenerate,
                Fields.optString(body, "model", 512),
                spec,
                !"disabled".equals(truncation));
    }
}
