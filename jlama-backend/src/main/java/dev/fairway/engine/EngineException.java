package dev.fairway.engine;

/** Base of the engine's user-facing errors; messages are meant to be shown to API clients. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
