package dev.fairway.engine;

/** The request can never succeed as given (HTTP 400). {@code param} names the offending field, OpenAI-style. */
public class InvalidRequestException extends EngineException {
    private final String param;

    public InvalidRequestException(String message, String param) {
        super(message);
        this.param = param;
    }

    public String param() {
        return param;
    }
}
