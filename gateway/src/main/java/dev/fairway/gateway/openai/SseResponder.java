package dev.fairway.gateway.openai;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
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

    public SseResponder(HttpServerResponse response, Envelope envelope, int n, boolean includeUsage) {
        this.response = response;
        this.envelope = envelope;
        this.n = n;
        this.includeUsage = includeUsage;
        this.tokenChunkPrefix = "data: " + envelope.chunkPrefix();
        this.tokenChunkSuffix = "]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n";
    }

    /** Sends headers and the opening chunks; called once the engine accepted the request. */
    public void open() {
        if (opened || response.closed()) return;
        opened = true;
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ObjectNode choice = envelope.shape().openingChoice(i);
            if (choice != null) appendChunk(out, chunkWith(choice));
        }
        response.write(out.toString()); // empty for text completions: still sends the headers
    }

    /** All events in one write: one syscall however many tokens the engine produced meanwhile. */
    @Override
    public void onTokens(List<TokenEvent> events) {
        open();
        StringBuilder out = new StringBuilder(events.size() * (tokenChunkPrefix.length() + 128));
        for (TokenEvent event : events) append(out, event);
        if (!out.isEmpty() && !response.closed() && !response.ended()) response.write(out.toString());
    }

    private void append(StringBuilder out, TokenEvent event) {
        if (event.textDelta().isEmpty() && event.logprob() == null) return; // held back (stop-string prefix, split UTF-8)
        if (event.logprob() != null) {
            appendChunk(out, chunkWith(envelope.shape().tokenChoice(event.choice(), event.textDelta(), event.logprob())));
            return;
        }
        // per-token hot path: a string template instead of building and serializing a tree
        String quoted = "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(event.textDelta())) + "\"";
        out.append(tokenChunkPrefix).append(envelope.shape().plainTokenChoiceJson(event.choice(), quoted)).append(tokenChunkSuffix);
    }

    /** The finish chunks, the usage chunk and [DONE] go out in the one write that ends the response. */
    @Override
    public void onComplete(GenerationResult result) {
        if (response.closed() || response.ended()) return;
        open();
        StringBuilder tail = new StringBuilder();
        for (ChoiceResult c : result.choices()) {
            if (c.finishReason() == FinishReason.ERROR) {
                if (!tail.isEmpty()) response.write(tail.toString());
                ErrorResponder.send(response, new ApiError(500, "server_error", null, null,
                        c.error() == null ? "Generation failed." : c.error(), null));
                return;
            }
            appendChunk(tail, chunkWith(envelope.shape().finishChoice(c.index(), c.finishReason())));
        }
        if (includeUsage) {
            ObjectNode last = envelope.chunk();
            last.putArray("choices");
            last.set("usage", Envelope.usage(result.usage()));
            appendChunk(tail, last);
        }
        response.end(tail.append("data: [DONE]\n\n").toString());
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
