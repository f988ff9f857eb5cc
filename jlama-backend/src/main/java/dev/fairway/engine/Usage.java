package dev.fairway.engine;

/** Token counts of a request: cachedTokens = prompt tokens served from the prefix cache (not prefilled). */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
