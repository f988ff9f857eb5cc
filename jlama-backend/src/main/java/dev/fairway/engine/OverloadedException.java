package dev.fairway.engine;

/** The waiting queue is full (HTTP 429 with Retry-After). */
public class OverloadedException extends EngineException {
    private final int retryAfterSeconds;

    public OverloadedException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
