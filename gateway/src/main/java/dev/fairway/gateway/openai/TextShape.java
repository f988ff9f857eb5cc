package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.TokenLogprob;
import dev.fairway.gateway.http.Json;
import java.util.List;

/** text_completion choices (legacy /v1/completions), logprobs in the legacy parallel-array form. */
public final class TextShape implements ResponseShape {
    public static final TextShape INSTANCE = new TextShape();

    private TextShape() {}

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public String streamObject() {
        return "text_completion";
    }

    @Override
    public String fullObject() {
        return "text_completion";
    }

    @Override
    public String openingChoiceJson(int index) {
        return null;
    }

    @Override
    public ObjectNode tokenChoice(int index, String text, TokenLogprob logprob) {
        ObjectNode c = Json.object().put("index", index).put("text", text);
        if (logprob == null) c.putNull("logprobs");
        else c.set("logprobs", logprobs(List.of(logprob)));
        c.putNull("finish_reason");
        return c;
    }

    @Override
    public String plainTokenChoiceJson(int index, String quotedText) {
        return "{\"index\":" + index + ",\"text\":" + quotedText + ",\"logprobs\":null,\"finish_reason\":null}";
    }

    @Override
    public ObjectNode finishChoice(int index, FinishReason reason) {
        ObjectNode c = Json.object().put("index", index).put("text", "");
        c.putNull("logprobs");
        c.put("finish_reason", ResponseShape.finishReason(reason));
        return c;
    }

    @Override
    public ObjectNode fullChoice(ChoiceResult choice) {
        ObjectNode c = Json.object().put("index", choice.index()).put("text", choice.text());
        if (ResponseShape.hasLogprobs(choice.logprobs())) c.set("logprobs", logprobs(choice.logprobs()));
        else c.putNull("logprobs");
        c.put("finish_reason", ResponseShape.finishReason(choice.finishReason()));
        return c;
    }

    private static ObjectNode logprobs(List<TokenLogprob> items) {
        ObjectNode l = Json.object();
        ArrayNode tokens = l.putArray("tokens");
        ArrayNode tokenLogprobs = l.putArray("token_logprobs");
        ArrayNode top = l.putArray("top_logprobs");
        ArrayNode offsets = l.putArray("text_offset");
        int offset = 0;
        for (TokenLogprob lp : items) {
            tokens.add(lp.token());
            tokenLogprobs.add(lp.logprob());
            ObjectNode alternatives = Json.object();
            if (lp.top() != null) for (TokenLogprob.Alternative a : lp.top()) alternatives.put(a.token(), a.logprob());
            top.add(alternatives);
            offsets.add(offset);
            offset += lp.token().length();
        }
        return l;
    }
}
