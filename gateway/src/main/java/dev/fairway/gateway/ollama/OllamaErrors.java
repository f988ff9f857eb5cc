package dev.fairway.gateway.ollama;

import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Errors the way Ollama answers them: the status, and {@code {"error": "..."}} (one more NDJSON line mid-stream). */
public final class OllamaErrors {
    private OllamaErrors() {}

    public static void handleFailure(RoutingContext ctx) {
        if (ctx.failure() instanceof HttpClosedException && ctx.response().closed()) return;
        send(ctx.response(), ErrorResponder.toApiError(ctx.failure(), ctx.statusCode()));
    }

    public static void send(HttpServerResponse response, ApiError error) {
        if (response.ended() || response.closed()) return;
        String body = Json.write(Json.object().put("error", error.getMessage()));
        if (response.headWritten()) {
            response.end(body + "\n");
            return;
        }
        response.setStatusCode(error.status()).putHeader("Content-Type", "application/json; charset=utf-8");
        if (error.retryAfterSeconds() != null)
            response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
        response.end(body);
    }
}
