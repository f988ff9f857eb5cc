package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.ChatRequestParser;
import dev.fairway.gateway.openai.GenerationSpec;

/**
 * Body of POST /v1/conversations/{id}/messages: the user's text plus the chat-completions generation fields; or,
 * instead of the text, {@code "regenerate": true}: a new reply to the last user message, replacing the reply after it.
 * {@code "truncation"}: {@code "auto"} (the default) leaves the oldest turns out of the prompt when the history does not
 * fit the context, {@code "disabled"} sends it whole (and a too long one is a 400), as in OpenAI's Responses API.
 */
record MessageRequest(String content, boolean regenerate, String model, GenerationSpec spec, boolean truncate) {

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
        for (String field : new String[] {"tools", "tool_choice"}) {
            // conversations store text turns only, so far: tool calls need /v1/chat/completions
            if (body.has(field) && !body.get(field).isNull())
                throw ApiError.badRequest(
                        "'" + field + "' is not supported for conversation messages; use /v1/chat/completions.",
                        field,
                        "unsupported_parameter");
        }
        // Reuse the chat validator: the new user turn stands in for 'messages'.
        ObjectNode asChat = body.deepCopy();
        asChat.remove("content");
        asChat.remove("regenerate");
        asChat.remove("truncation");
        asChat.set(
                "messages",
                Json.array()
                        .add(Json.object()
                                .put("role", "user")
                                .set(
                                        "content",
                                        regenerate
                                                ? Json.MAPPER.getNodeFactory().textNode("")
                                                : body.get("content"))));
        GenerationSpec spec;
        try {
            spec = ChatRequestParser.parse(asChat, vocabSize);
        } catch (ApiError e) {
            if (e.param() != null && e.param().startsWith("messages[0].content")) {
                throw ApiError.badRequest(
                        e.getMessage().replace("messages[0].content", "content"),
                        e.param().replace("messages[0].content", "content"),
                        e.code());
            }
            throw e;
        }
        if (spec.n() != 1) throw ApiError.badRequest("'n' must be 1 for conversation messages.", "n");
        var turn = ((dev.fairway.engine.Prompt.Chat) spec.prompt()).messages().get(0);
        return new MessageRequest(
                regenerate ? null : turn.content(),
                regenerate,
                Fields.optString(body, "model", 512),
                spec,
                !"disabled".equals(truncation));
    }
}
