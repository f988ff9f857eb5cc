package dev.fairway.gateway.http;

/** An error answered to the client as OpenAI error JSON with this HTTP status. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Integer retryAfterSeconds;

    public ApiError(int status, String type, String code, String param, String message, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiError badRequest(String message, String param) {
        return new ApiError(400, "invalid_request_error", null, param, message, null);
    }

    public static ApiError badRequest(String message, String param, String code) {
        return new ApiError(400, "invalid_request_error", code, param, message, null);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null, message, null);
    }

    public static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, "invalid_request_error", code, param, message, null);
    }

    public static ApiError tooLarge(String message) {
        return new ApiError(413, "invalid_request_error", "request_too_large", null, message, null);
    }

    public static ApiError overloaded(String message, int retryAfterSeconds) {
        return new ApiError(429, "rate_limit_error", "rate_limit_exceeded", null, message, retryAfterSeconds);
    }

    public static ApiError conflict(String message, String code) {
        return new ApiError(409, "invalid_request_error", code, null, message, null);
    }

    public static ApiError shuttingDown() {
        return new ApiError(
                503,
                "server_error",
                "server_shutting_down",
                null,
                "The server is shutting down; retry on another server or once it is back.",
                5);
    }

    public static ApiError serverError(String message, String code) {
        return new ApiError(500, "server_error", code, null, message, null);
    }

    public static ApiError notReady() {
        return new ApiError(
                503, "server_error", "model_not_ready", null, "The model is still loading; retry shortly.", 1);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
