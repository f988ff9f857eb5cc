package dev.fairway.engine;

/** prompt + max_tokens does not fit the model's context (HTTP 400, code context_length_exceeded). */
public class ContextLengthExceededException extends InvalidRequestException {
    public ContextLengthExceededException(int promptTokens, int maxTokens, int contextLength) {
        super(
                "This model's maximum context length is " + contextLength + " tokens. However, you requested "
                        + (promptTokens + maxTokens) + " tokens (" + promptTokens + " in the messages, " + maxTokens
                        + " in the completion). Please reduce the length of the messages or completion.",
                "messages");
    }
}
