package dev.fairway.gateway.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.GenerationSink;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Answers a response: once the generation is done it is stored (and its conversation items added) first, so that a
 * follow-up naming it finds it, then sent: as one object, or as the end of OpenAI's event stream
 * ({@code response.created}, {@code response.in_progress}, {@code response.output_item.added},
 * {@code response.content_part.added}, {@code response.output_text.delta}..., {@code response.output_text.done},
 * {@code response.content_part.done}, {@code response.output_item.done}, {@code response.completed}), every event
 * with its {@code sequence_number}. A generation cut short (the client hung up, the server is shutting down) is
 * stored all the same, {@code incomplete} with the text so far, so a response that was answered 200 can always be
 * read back.
 */
final class ResponseSink implements GenerationSink {
    private final HttpServerResponse response;
    private final boolean stream;
    private final ResponseJson.View start;
    /** Stores the finished view; the answer goes out once its future completes. */
    private final Function<ResponseJson.View, Future<Void>> store;
    /** Told once when storing is over (stored, failed, or nothing to store): the conversation's next turn may go. */
    private final Runnable settled;

    /** Splits the text into content and calls when tools were offered, else null. */
    private final ToolCallExtractor extractor;

    private int sequence;
    private boolean opened;
    private int nextIndex;
    private int messageIndex = -1;
    private final StringBuilder heldBlank = new StringBuilder();
    /** A call's ordinal -> its output_index. */
    private final Map<Integer, Integer> callIndexes = new HashMap<>();

    ResponseSink(
            HttpServerResponse response,
            boolean stream,
            ResponseJson.View start,
            Function<ResponseJson.View, Future<Void>> store,
            Runnable settled) {
        this.response = response;
        this.stream = stream;
        this.start = start;
        this.store = store;
        this.settled = settled;
        Set<String> names = ResponseTools.names(start.settings().get("tools"));
        this.extractor = names.isEmpty() ? null : new ToolCallExtractor(names);
    }

    /** The stream's opening events, sent as soon as the engine accepted the request. */
    void open() {
        if (!stream || opened || response.closed() || response.ended()) return;
        opened = true;
        if (!response.headWritten()) {
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
        }
        StringBuilder out = new StringBuilder();
        ObjectNode running = ResponseJson.response(start);
        event(out, "response.created", Json.object().set("response", running));
        event(out, "response.in_progress", Json.object().set("response", running));
        if (extractor == null) openMessage(out); // with tools, once it is known the model writes text
        response.write(out.toString());
    }

    private void openMessage(StringBuilder out) {
        messageIndex = nextIndex++;
        event(
                out,
                "response.output_item.added",
                Json.object()
                        .put("output_index", messageIndex)
                        .set("item", ResponseJson.message(start.outputItemId(), null, "in_progress")));
        ObjectNode part = Json.object()
                .put("item_id", start.outputItemId())
                .put("output_index", messageIndex)
                .put("content_index", 0);
        part.set("part", ResponseJson.outputText(""));
        event(out, "response.content_part.added", part);
    }

    @Override
    public void onTokens(List<TokenEvent> events) {
        if (!stream || response.closed() || response.ended()) return;
        open();
        StringBuilder out = new StringBuilder();
        for (TokenEvent e : events) {
            if (e.choice() != 0 || e.textDelta().isEmpty()) continue;
            if (extractor == null) textDelta(out, e.textDelta());
            else for (ToolCallExtractor.Event x : extractor.feed(e.textDelta())) toolEvent(out, x);
        }
        if (!out.isEmpty()) response.write(out.toString());
    }

    private void textDelta(StringBuilder out, String text) {
        ObjectNode delta = Json.object()
                .put("item_id", start.outputItemId())
                .put("output_index", messageIndex)
                .put("content_index", 0)
                .put("delta", text);
        delta.putArray("logprobs");
        event(out, "response.output_text.delta", delta);
    }

    /** Text opens the message item (blank text waits: it may only precede calls); calls get items of their own. */
    private void toolEvent(StringBuilder out, ToolCallExtractor.Event x) {
        switch (x) {
            case ToolCallExtractor.Content c -> {
                if (messageIndex < 0) {
                    heldBlank.append(c.text());
                    if (heldBlank.toString().isBlank()) return;
                    openMessage(out);
                    textDelta(out, heldBlank.toString());
                } else textDelta(out, c.text());
            }
            case ToolCallExtractor.CallStart c -> {
                int index = nextIndex++;
                callIndexes.put(c.index(), index);
                ToolCall call = new ToolCall(ResponseTools.callId(start.id(), c.index()), c.name(), "");
                event(
                        out,
                        "response.output_item.added",
                        Json.object()
                                .put("output_index", index)
                                .set("item", ResponseTools.callItem(start.id(), c.index(), call, "", "in_progress")));
            }
            case ToolCallExtractor.CallArguments a -> {
                Integer index = callIndexes.get(a.index());
                if (index == null || a.fragment().isEmpty()) return;
                event(
                        out,
                        "response.function_call_arguments.delta",
                        Json.object()
                                .put("item_id", ResponseTools.itemId(start.id(), a.index()))
                                .put("output_index", index)
                                .put("delta", a.fragment()));
            }
        }
    }

    @Override
    public void onComplete(GenerationResult result) {
        ChoiceResult c = result.first();
        if (c.finishReason() == FinishReason.ERROR) {
            onFailure(ApiError.serverError(c.error() == null ? "Generation failed." : c.error(), null));
            return;
        }
        String reason = null;
        if (c.finishReason() == FinishReason.CANCELLED) reason = ResponseJson.CLIENT_DISCONNECTED;
        else if (c.finishReason() == FinishReason.LENGTH && start.settings().hasNonNull("max_output_tokens"))
            reason = ResponseJson.MAX_OUTPUT_TOKENS;
        end(result, reason);
    }

    /** Shutting down: what it said so far is stored and sent as an incomplete response. */
    @Override
    public void onCut(GenerationResult partial, ApiError why) {
        end(partial, ResponseJson.SERVER_SHUTTING_DOWN);
    }

    /** Stores the response (even for a client that left), then sends it to a client still there. */
    private void end(GenerationResult result, String incompleteReason) {
        ChoiceResult c = result.first();
        ResponseJson.View done = new ResponseJson.View(
                start.id(),
                start.createdAtMillis(),
                start.model(),
                incompleteReason == null ? "completed" : "incomplete",
                incompleteReason,
                start.instructions(),
                start.previousResponseId(),
                start.conversationId(),
                start.outputItemId(),
                c.text(),
                result.usage(),
                start.settings());
        store.apply(done).onComplete(stored -> {
            if (stored.succeeded()) {
                settled.run();
                finish(done);
            } else onFailure(ErrorResponder.toApiError(stored.cause(), 500));
        });
    }

    private void finish(ResponseJson.View done) {
        if (response.closed() || response.ended()) return;
        if (!stream) {
            response.putHeader("Content-Type", "application/json").end(Json.write(ResponseJson.response(done)));
            return;
        }
        open();
        StringBuilder out = new StringBuilder();
        if (extractor != null) for (ToolCallExtractor.Event x : extractor.finish()) toolEvent(out, x);
        ResponseTools.Output said = ResponseTools.split(
                done.id(), ResponseTools.names(done.settings().get("tools")), done.outputText());
        if (messageIndex < 0 && said.calls().isEmpty()) {
            openMessage(out); // no calls after all: the (blank) text held back is the message
            if (!heldBlank.isEmpty()) textDelta(out, heldBlank.toString());
        }
        if (messageIndex >= 0) closeMessage(out, done, said.content());
        for (int i = 0; i < said.calls().size(); i++) {
            ToolCall call = said.calls().get(i);
            Integer index = callIndexes.get(i);
            if (index == null) { // not streamed as it came (it cannot happen with the same extractor): now
                index = nextIndex++;
                callIndexes.put(i, index);
                event(
                        out,
                        "response.output_item.added",
                        Json.object()
                                .put("output_index", index)
                                .set("item", ResponseTools.callItem(done.id(), i, call, "", "in_progress")));
            }
            event(
                    out,
                    "response.function_call_arguments.done",
                    Json.object()
                            .put("item_id", ResponseTools.itemId(done.id(), i))
                            .put("output_index", index)
                            .put("arguments", call.arguments()));
            event(
                    out,
                    "response.output_item.done",
                    Json.object()
                            .put("output_index", index)
                            .set("item", ResponseTools.callItem(done.id(), i, call, call.arguments(), "completed")));
        }
        String last = done.status().equals("incomplete") ? "response.incomplete" : "response.completed";
        event(out, last, Json.object().set("response", ResponseJson.response(done)));
        response.end(out.toString());
    }

    private void closeMessage(StringBuilder out, ResponseJson.View done, String text) {
        ObjectNode base = Json.object()
                .put("item_id", done.outputItemId())
                .put("output_index", messageIndex)
                .put("content_index", 0);
        ObjectNode textDone = base.deepCopy().put("text", text);
        textDone.putArray("logprobs");
        event(out, "response.output_text.done", textDone);
        ObjectNode partDone = base.deepCopy();
        partDone.set("part", ResponseJson.outputText(text));
        event(out, "response.content_part.done", partDone);
        event(
                out,
                "response.output_item.done",
                Json.object()
                        .put("output_index", messageIndex)
                        .set(
                                "item",
                                ResponseJson.message(
                                        done.outputItemId(), text, ResponseJson.itemStatus(done.status()))));
    }

    /** Before the stream opened, an error response; after, an {@code error} event ends it. */
    @Override
    public void onFailure(ApiError error) {
        settled.run();
        if (!response.headWritten() || response.ended() || response.closed()) {
            ErrorResponder.send(response, error);
            return;
        }
        StringBuilder out = new StringBuilder();
        event(
                out,
                "error",
                Json.object()
                        .put("code", error.code())
                        .put("message", error.getMessage())
                        .put("param", error.param()));
        response.end(out.toString());
    }

    private void event(StringBuilder out, String type, ObjectNode body) {
        ObjectNode e = Json.object().put("type", type).put("sequence_number", sequence++);
        e.setAll(body);
        out.append("event: ")
                .append(type)
                .append("\ndata: ")
                .append(Json.write(e))
                .append("\n\n");
    }
}
