package dev.fairway.gateway.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.InvalidRequestException;
import dev.fairway.engine.OverloadedException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into OpenAI error JSON; the only place that decides status codes for exceptions. */
public final class ErrorResponder {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

    private ErrorResponder() {}

    public static void handleFailure(RoutingContext ctx) {
        // the client is gone (or was cut off for being too slow): nobody to answer, nothing to log
        if (ctx.failure() instanceof HttpClosedException && ctx.response().closed()) return;
        send(ctx.response(), toApiError(ctx.failure(), ctx.statusCode()));
    }

    public static ApiError toApiError(Throwable failure, int statusCode) {
        if (failure instanceof ApiError e) return e;
        if (failure instanceof OverloadedException e) return ApiError.overloaded(e.getMessage(), e.retryAfterSeconds());
        if (failure instanceof InvalidRequestException e) {
            String code =
                    e instanceof dev.fairway.engine.ContextLengthExceededException ? "context_length_exceeded" : null;
            return ApiError.badRequest(e.getMessage(), e.param(), code);
        }
        if (failure instanceof IllegalArgumentException e) return ApiError.badRequest(e.getMessage(), null);
        if (failure instanceof VertxException e && statusCode >= 400 && statusCode < 500) {
            // the router's own refusals (no Host on HTTP/1.1, empty path): the client's fault, not ours
            return new ApiError(
                    statusCode, "invalid_request_error", "invalid_http_request", null, e.getMessage(), null);
        }
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

    /**
     * The server's invalidRequestHandler: a request the HTTP decoder refused (Vert.x would answer with an empty body).
     * Same statuses as Vert.x, OpenAI error JSON, then the connection is closed: what follows cannot be trusted.
     */
    public static void handleInvalidRequest(HttpServerRequest request) {
        send(
                request.response().putHeader("Connection", "close"),
                invalidRequest(request.decoderResult().cause()));
        request.connection().close();
    }

    static ApiError invalidRequest(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new ApiError(
                    414,
                    "invalid_request_error",
                    "uri_too_long",
                    null,
                    "The request line (method and URI) is too long.",
                    null);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new ApiError(
                    431,
                    "invalid_request_error",
                    "headers_too_large",
                    null,
                    "The request headers are too large.",
                    null);
        }
        String detail = cause == null || cause.getMessage() == null ? "" : ": " + abbreviate(cause.getMessage(), 200);
        return new ApiError(
                400, "invalid_request_error", "invalid_http_request", null, "Malformed HTTP request" + detail, null);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    public static void send(HttpServerResponse response, ApiError error) {
        if (response.ended() || response.closed()) return;
        if (response.headWritten()) {
            // mid-stream: the status is gone already, so report in-band and end the stream as every stream ends.
            response.end("data: " + Json.write(body(error)) + "\n\ndata: [DONE]\n\n");
            return;
        }
        response.setStatusCode(error.status()).putHeader("Content-Type", "application/json");
        if (error.retryAfterSeconds() != null)
            response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
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
