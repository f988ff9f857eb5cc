package dev.fairway.gateway.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.InvalidRequestException;
import dev.fairway.engine.OverloadedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into OpenAI error JSON; the only place that decides status codes for exceptions. */
public final class ErrorResponder {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

    private ErrorResponder() {}

    public static void handleFailure(RoutingContext ctx) {
        send(ctx.response(), toApiError(ctx.failure(), ctx.statusCode()));
    }

    public static ApiError toApiError(Throwable failure, int statusCode) {
        if (failure instanceof ApiError e) return e;
        if (failure instanceof OverloadedException e) return ApiError.overloaded(e.getMessage(), e.retryAfterSeconds());
        if (failure instanceof InvalidRequestException e) {
            String code = e instanceof dev.fairway.engine.ContextLengthExceededException ? "context_length_exceeded" : null;
            return ApiError.badRequest(e.getMessage(), e.param(), code);
        }
        if (failure instanceof IllegalArgumentException e) return ApiError.badRequest(e.getMessage(), null);
        if (failure == null && statusCode == 413) return ApiError.tooLarge("Request body is too large.");
        if (failure == null && statusCode == 404) return ApiError.notFound("Not found.", null, "not_found");
        if (failure == null && statusCode == 405) {
            return new ApiError(405, "invalid_request_error", "method_not_allowed", null, "Method not allowed.", null);
        }
        if (failure == null && statusCode >= 400 && statusCode < 500) {
            return new ApiError(statusCode, "invalid_request_error", null, null, "Bad request.", null);
        }
        LOG.error("Unexpected failure", failure);
        return new ApiError(500, "server_error", null, null, "Internal server error.", null);
    }

    public static void send(HttpServerResponse response, ApiError error) {
        if (response.ended() || response.closed()) return;
        if (response.headWritten()) {
            // mid-stream: the status is gone already, so report in-band and end the stream as every stream ends.
            response.end("data: " + Json.write(body(error)) + "\n\ndata: [DONE]\n\n");
            return;
        }
        response.setStatusCode(error.status()).putHeader("Content-Type", "application/json");
        if (error.retryAfterSeconds() != null) response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
        response.end(Json.write(body(error)));
    }

    public static ObjectNode body(ApiError error) {
        ObjectNode root = Json.object();
        ObjectNode e = root.putObject("error");
        e.put("message", error.getMessage());
        e.put("type", error.type());
        e.put("param", error.param());
        e.put("code", error.code());
        return root;
    }
}
