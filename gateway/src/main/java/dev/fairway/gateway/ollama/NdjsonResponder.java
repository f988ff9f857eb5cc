package dev.fairway.gateway.ollama;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.openai.GenerationSink;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.List;

/**
 * Ollama's reply to /api/chat and /api/generate: streamed, one JSON object per line (the text so far in
 * {@code message.content} or {@code response}, {@code done: false}) and a last line with {@code done: true}, the
 * reason and the counts and durations; or, not streamed, that last object with the whole text.
 */
final class NdjsonResponder implements GenerationSink {
    private final HttpServerResponse response;
    private final String model;
    private final boolean chat;
    private final boolean stream;
    private final long loadNanos;

    NdjsonResponder(HttpServerResponse response, String model, boolean chat, boolean stream, long loadNanos) {
        this.loadNanos = loadNanos;
        this.response = response;
        this.model = model;
        this.chat = chat;
        this.stream = stream;
    }

    @Override
    public void onTokens(List<TokenEvent> events) {
        if (!stream || response.closed() || response.ended()) return;
        StringBuilder out = new StringBuilder();
        for (TokenEvent e : events) {
            if (e.choice() != 0 || e.textDelta().isEmpty()) continue;
            out.append(Json.write(line(e.textDelta()).put("done", false))).append('\n');
        }
        if (out.isEmpty()) return;
        open();
        response.write(out.toString());
    }

    @Override
    public void onComplete(GenerationResult result) {
        if (response.closed() || response.ended()) return;
        ChoiceResult c = result.first();
        if (c.finishReason() == FinishReason.ERROR) {
            onFailure(new ApiError(
                    500, "server_error", null, null, c.error() == null ? "Generation failed." : c.error(), null));
            return;
        }
        ObjectNode last = line(stream ? "" : c.text()).put("done", true);
        last.put("done_reason", c.finishReason() == FinishReason.LENGTH ? "length" : "stop");
        stats(last, result, loadNanos);
        if (stream) {
            open();
            response.end(Json.write(last) + "\n");
        } else {
            response.putHeader("Content-Type", "application/json; charset=utf-8")
                    .end(Json.write(last));
        }
    }

    @Override
    public void onFailure(ApiError error) {
        OllamaErrors.send(response, error);
    }

    private void open() {
        if (response.headWritten()) return;
        response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
    }

    private ObjectNode line(String text) {
        ObjectNode o = Json.object()
                .put("model", model)
                .put("created_at", Instant.now().toString());
        if (chat) o.putObject("message").put("role", "assistant").put("content", text);
        else o.put("response", text);
        return o;
    }

    /**
     * Ollama's counters, durations in nanoseconds: the wait for the model to load, the prompt's up to the first token,
     * the reply's after it; the total is all of them.
     */
    static void stats(ObjectNode o, GenerationResult result, long loadNanos) {
        var t = result.timings();
        long first = Math.max(t.firstTokenNanos(), t.queuedNanos());
        o.put("total_duration", loadNanos + t.totalNanos());
        o.put("load_duration", loadNanos);
        o.put("prompt_eval_count", result.usage().promptTokens());
        o.put("prompt_eval_duration", Math.max(0, first - t.queuedNanos()));
        o.put("eval_count", result.usage().completionTokens());
        o.put("eval_duration", Math.max(0, t.totalNanos() - first));
    }
}
