package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.TokenLogprob;
import java.util.List;

/** What differs between chat and text completions: object names and how one choice is spelled. */
public interface ResponseShape {
    String idPrefix();

    String streamObject();

    String fullObject();

    /** The opening choice of a streamed chunk as JSON text (chat sends the role first), or null for none. */
    String openingChoiceJson(int index);

    ObjectNode tokenChoice(int index, String text, TokenLogprob logprob);

    /** The same choice as tokenChoice(index, text, null), as JSON text; {@code quotedText} is already a JSON string. */
    String plainTokenChoiceJson(int index, String quotedText);

    ObjectNode finishChoice(int index, FinishReason reason);

    ObjectNode fullChoice(ChoiceResult choice);

    static String finishReason(FinishReason reason) {
        // a cancelled choice ended early, which clients know as "length"-like truncation; OpenAI has no "cancelled"
        return reason == FinishReason.CANCELLED ? "length" : reason == FinishReason.ERROR ? "error" : reason.openAi();
    }

    static boolean hasLogprobs(List<TokenLogprob> logprobs) {
        return logprobs != null && !logprobs.isEmpty();
    }
}
