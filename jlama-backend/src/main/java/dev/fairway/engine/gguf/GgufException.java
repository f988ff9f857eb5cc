package dev.fairway.engine.gguf;

/** A GGUF file that cannot be read: truncated, corrupt, or using a type or architecture Fairway does not support. */
public final class GgufException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GgufException(String message) {
        super(message);
    }

    public GgufException(String message, Throwable cause) {
        super(message, cause);
    }
}
