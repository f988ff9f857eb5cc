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
        for (int i = 0; i < n; i++) {
            ObjectNode choice = envelope.shape().openingChoice(i);
            if (choice != null) send(chunkWith(choice));
        }
        if (envelope.shape().openingChoice(0) == null) response.write(""); // flush headers for text completions too
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
            out.append("data: ").append(Json.write(chunkWith(envelope.shape().tokenChoice(event.choice(), event.textDelta(),
                    event.logprob())))).append("\n\n");
            return;
        }
        // per-token hot path: a string template instead of building and serializing a tree
        String quoted = "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(event.textDelta())) + "\"";
        out.append(tokenChunkPrefix).append(envelope.shape().plainTokenChoiceJson(event.choice(), quoted)).append(tokenChunkSuffix);
    }

    @Override
    public void onComplete(GenerationResult result) {
        if (response.closed() || response.ended()) return;
        open();
        for (ChoiceResult c : result.choices()) {
            if (c.finishReason() == FinishReason.ERROR) {
                ErrorResponder.send(response, new ApiError(500, "server_error", null, null,
                        c.error() == null ? "Generation failed." : c.error(), null));
                return;
            }
            send(chunkWith(envelope.shape().finishChoice(c.index(), c.finishReason())));
        }
        if (includeUsage) {
            ObjectNode last = envelope.chunk();
            last.putArray("choices");
            last.set("usage", Envelope.usage(result.usage()));
            send(last);
        }
        response.end("data: [DONE]\n\n");
    }

    private ObjectNode chunkWith(ObjectNode choice) {
        ObjectNode chunk = envelope.chunk();
        chunk.putArray("choices").add(choice);
        if (includeUsage) chunk.putNull("usage");
        return chunk;
    }

    private void send(ObjectNode chunk) {
        if (!response.closed() && !response.ended()) response.write("data: " + Json.write(chunk) + "\n\n");
    }
}
