package dev.fairway.engine;

public enum FinishReason {
    STOP,
    LENGTH,
    CANCELLED,
    ERROR;

    /** The OpenAI spelling ("stop", "length", ...). */
    public String openAi() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
