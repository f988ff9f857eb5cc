package dev.fairway.gateway.openai;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Streams a generation as OpenAI server-sent events, ending with `data: [DONE]`. */
public final class SseResponder implements GenerationSink {
    private final HttpServerResponse response;
    private final Envelope envelope;
    private final int n;
    private final boolean includeUsage;
    private final String tokenChunkPrefix;
    private final String tokenChunkSuffix;
    private boolean opened;
    /** Per choice, when the request offered tools: splits its text into content and tool-call deltas. */
    private final java.util.Map<Integer, ToolCallExtractor> extractors = new java.util.HashMap<>();

    public SseResponder(HttpServerResponse response, Envelope envelope, int n, boolean includeUsage) {
        this.response = response;
        this.envelope = envelope;
        this.n = n;
        this.includeUsage = includeUsage;
        this.tokenChunkPrefix = "data: " + envelope.chunkPrefix();
        this.tokenChunkSuffix = "]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n";
    }

    /**
     * Headers and the opening chunks go out with the first tokens, in one write, or after this long if the first
     * token is slower (a long prompt, a queue), so clients waiting for headers see the response start. Sent at
     * once, writing them and the client waking to read them took CPU from the prefill running on every core.
     */
    static final long HEADERS_WITHIN_MS = 200;

    /** Called once the stream may start: the engine accepted the request (and a conversation turn's message is stored). */
    public void openWithin(Vertx vertx) {
        vertx.setTimer(HEADERS_WITHIN_MS, t -> open());
    }

    /** Sends headers and the opening chunks now, unless they went out already. */
    private void open() {
        if (opened || response.closed() || response.ended()) return;
        StringBuilder out = new StringBuilder();
        opening(out);
        response.write(out.toString()); // empty for text completions: still sends the headers
    }

    /** Sets the headers and appends the opening chunks the first time; says whether it did. */
    private boolean opening(StringBuilder out) {
        if (opened) return false;
        opened = true;
        if (!response.headWritten()) { // else sent already, while the model loaded (ModelAccess)
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
        }
        for (int i = 0; i < n; i++) {
            String choice = envelope.shape().openingChoiceJson(i);
            if (choice != null) out.append(tokenChunkPrefix).append(choice).append(tokenChunkSuffix);
        }
        return true;
    }

    /** All events in one write: one syscall however many tokens the engine produced meanwhile. */
    @Override
    public void onTokens(List<TokenEvent> events) {
        if (response.closed() || response.ended()) return;
        StringBuilder out = new StringBuilder(events.size() * (tokenChunkPrefix.length() + 128));
        boolean opens = opening(out);
        for (TokenEvent event : events) append(out, event);
        if (opens || !out.isEmpty()) response.write(out.toString());
    }

    private ToolCallExtractor extractor(int choice) {
        if (!(envelope.shape() instanceof ChatShape chat)) return null;
        return extractors.computeIfAbsent(choice, i -> chat.extractor());
    }

    private void appendToolEvents(StringBuilder out, int choice, List<ToolCallExtractor.Event> events) {
        ChatShape chat = (ChatShape) envelope.shape();
        for (ToolCallExtractor.Event e : events) {
            if (e instanceof ToolCallExtractor.Content c) appendText(out, choice, c.text());
            else appendChunk(out, chunkWith(chat.toolCallChoice(choice, e)));
        }
    }

    private void append(StringBuilder out, TokenEvent event) {
        if (event.textDelta().isEmpty() && event.logprob() == null)
            return; // held back (stop-string prefix, split UTF-8)
        ToolCallExtractor x = extractor(event.choice());
        if (x != null) {
            appendToolEvents(out, event.choice(), x.feed(event.textDelta()));
            return;
        }
        if (event.logprob() != null) {
            appendChunk(
                    out, chunkWith(envelope.shape().tokenChoice(event.choice(), event.textDelta(), event.logprob())));
            return;
        }
        appendText(out, event.choice(), event.textDelta());
    }

    private void appendText(StringBuilder out, int choice, String text) {
        if (text.isEmpty()) return;
        // per-token hot path: a string template instead of building and serializing a tree
        String quoted = "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
        out.append(tokenChunkPrefix)
                .append(envelope.shape().plainTokenChoiceJson(choice, quoted))
                .append(tokenChunkSuffix);
    }

    /** The finish chunks, the usage chunk and [DONE] go out in the one write that ends the response. */
    @Override
    public void onComplete(GenerationResult result) {
        for (ChoiceResult c : result.choices()) {
            if (c.finishReason() == FinishReason.ERROR) {
                onFailure(generationFailed(c));
                return;
            }
        }
        if (response.closed() || response.ended()) return;
        StringBuilder tail = new StringBuilder();
        opening(tail);
        for (ChoiceResult c : result.choices()) {
            ToolCallExtractor x = extractor(c.index());
            if (x == null) {
                appendChunk(tail, chunkWith(envelope.shape().finishChoice(c.index(), c.finishReason())));
                continue;
            }
            appendToolEvents(tail, c.index(), x.finish());
            ChatShape chat = (ChatShape) envelope.shape();
            appendChunk(
                    tail,
                    chunkWith(chat.finishChoice(
                            c.index(), c.finishReason(), !x.calls().isEmpty())));
        }
        if (includeUsage) {
            ObjectNode last = envelope.chunk();
            last.putArray("choices");
            last.set("usage", Envelope.usage(result.usage()));
            appendChunk(tail, last);
        }
        response.end(tail.append("data: [DONE]\n\n").toString());
    }

    /** Before the stream opened, a plain error response; after, an error event and [DONE]. */
    @Override
    public void onFailure(ApiError error) {
        ErrorResponder.send(response, error);
    }

    private static ApiError generationFailed(ChoiceResult c) {
        return new ApiError(
                500, "server_error", null, null, c.error() == null ? "Generation failed." : c.error(), null);
    }

    private ObjectNode chunkWith(ObjectNode choice) {
        ObjectNode chunk = envelope.chunk();
        chunk.putArray("choices").add(choice);
        if (includeUsage) chunk.putNull("usage");
        return chunk;
    }

    private static void appendChunk(StringBuilder out, ObjectNode chunk) {
        out.append("data: ").append(Json.write(chunk)).append("\n\n");
    }
}
