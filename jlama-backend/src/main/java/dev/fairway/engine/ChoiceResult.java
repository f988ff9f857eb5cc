package dev.fairway.engine;

import java.util.List;

/** The final outcome of one choice: full text (stop string excluded), token ids, why it ended. */
public record ChoiceResult(
        int index, String text, int[] tokenIds, FinishReason finishReason, String error, List<TokenLogprob> logprobs) {}
