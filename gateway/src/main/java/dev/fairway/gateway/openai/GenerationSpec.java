package dev.fairway.gateway.openai;

import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;

/**
 * A validated OpenAI request, ready for the engine. {@code maxTokens == null} in the request means
 * "whatever the context has left", resolved once the prompt is tokenized.
 */
public record GenerationSpec(
        Prompt prompt,
        SamplingParams params,
        boolean maxTokensGiven,
        int n,
        boolean stream,
        boolean includeUsage,
        String endUser) {}
