package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.TokenLogprob;
import dev.fairway.gateway.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** chat.completion / chat.completion.chunk choices. */
public final class ChatShape implements ResponseShape {
    public static final ChatShape INSTANCE = new ChatShape();

    private ChatShape() {}

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public String streamObject() {
        return "chat.completion.chunk";
    }

    @Override
    public String fullObject() {
        return "chat.completion";
    }

    @Override
    public String openingChoiceJson(int index) {
        return "{\"index\":" + index
                + ",\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}";
    }

    @Override
    public ObjectNode tokenChoice(int index, String text, TokenLogprob logprob) {
        ObjectNode c = Json.object().put("index", index);
        c.putObject("delta").put("content", text);
        if (logprob == null) c.putNull("logprobs");
        else c.putObject("logprobs").set("content", Json.array().add(logprobEntry(logprob)));
        c.putNull("finish_reason");
        return c;
    }

    @Override
    public String plainTokenChoiceJson(int index, String quotedText) {
        return "{\"index\":" + index + ",\"delta\":{\"content\":" + quotedText
                + "},\"logprobs\":null,\"finish_reason\":null}";
    }

    @Override
    public ObjectNode finishChoice(int index, FinishReason reason) {
        ObjectNode c = Json.object().put("index", index);
        c.putObject("delta");
        c.putNull("logprobs");
        c.put("finish_reason", ResponseShape.finishReason(reason));
        return c;
    }

    @Override
    public ObjectNode fullChoice(ChoiceResult choice) {
        ObjectNode c = Json.object().put("index", choice.index());
        ObjectNode m = c.putObject("message");
        m.put("role", "assistant").put("content", choice.text());
        m.putNull("refusal");
        if (ResponseShape.hasLogprobs(choice.logprobs())) {
            ArrayNode content = c.putObject("logprobs").putArray("content");
            for (TokenLogprob lp : choice.logprobs()) content.add(logprobEntry(lp));
        } else {
            c.putNull("logprobs");
        }
        c.put("finish_reason", ResponseShape.finishReason(choice.finishReason()));
        return c;
    }

    private static ObjectNode logprobEntry(TokenLogprob lp) {
        ObjectNode e = entry(lp.token(), lp.logprob());
        ArrayNode top = e.putArray("top_logprobs");
        List<TokenLogprob.Alternative> alternatives = lp.top() == null ? List.of() : lp.top();
        for (TokenLogprob.Alternative a : alternatives) top.add(entry(a.token(), a.logprob()));
        return e;
    }

    private static ObjectNode entry(String token, float logprob) {
        ObjectNode e = Json.object().put("token", token).put("logprob", logprob);
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return e;
    }
}
