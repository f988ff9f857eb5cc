package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.TokenLogprob;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.gateway.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * chat.completion / chat.completion.chunk choices. With tools offered, the model's text is split into content and
 * tool_calls (its native call format, parsed by {@link ToolCallExtractor}); a choice with calls finishes with
 * "tool_calls".
 */
public final class ChatShape implements ResponseShape {
    public static final ChatShape INSTANCE = new ChatShape(null);

    /** The tools offered, or null when the request offered none. */
    private final Set<String> toolNames;

    private ChatShape(Set<String> toolNames) {
        this.toolNames = toolNames;
    }

    /** The shape of a chat request: with tool calls parsed out when it offers tools. */
    public static ChatShape of(Prompt prompt) {
        if (prompt instanceof Prompt.Chat c && c.tools().offered()) {
            Set<String> names = new HashSet<>();
            for (var t : c.tools().specs()) names.add(t.name());
            return new ChatShape(names);
        }
        return INSTANCE;
    }

    /** A fresh extractor for one streamed choice, or null when no tools were offered. */
    public ToolCallExtractor extractor() {
        return toolNames == null ? null : new ToolCallExtractor(toolNames);
    }

    /** A streamed chunk's choice holding tool-call events (content events go out as plain tokens). */
    public ObjectNode toolCallChoice(int index, ToolCallExtractor.Event event) {
        ObjectNode c = Json.object().put("index", index);
        ObjectNode call = c.putObject("delta").putArray("tool_calls").addObject();
        switch (event) {
            case ToolCallExtractor.CallStart s -> {
                call.put("index", s.index()).put("id", s.id()).put("type", "function");
                call.putObject("function").put("name", s.name()).put("arguments", "");
            }
            case ToolCallExtractor.CallArguments a -> {
                call.put("index", a.index());
                call.putObject("function").put("arguments", a.fragment());
            }
            case ToolCallExtractor.Content t -> throw new IllegalArgumentException("content is no tool call");
        }
        c.putNull("logprobs");
        c.putNull("finish_reason");
        return c;
    }

    /** A finish chunk's choice: "tool_calls" when the choice made calls and ended normally. */
    public ObjectNode finishChoice(int index, FinishReason reason, boolean madeCalls) {
        ObjectNode c = finishChoice(index, reason);
        if (madeCalls && reason == FinishReason.STOP) c.put("finish_reason", "tool_calls");
        return c;
    }

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
        ToolCallExtractor x = extractor();
        List<ToolCall> calls = List.of();
        if (x == null) {
            m.put("role", "assistant").put("content", choice.text());
        } else {
            x.feed(choice.text());
            x.finish();
            calls = x.calls();
            m.put("role", "assistant");
            if (calls.isEmpty() || !x.content().isBlank()) m.put("content", x.content());
            else m.putNull("content");
        }
        m.putNull("refusal");
        if (!calls.isEmpty()) {
            ArrayNode array = m.putArray("tool_calls");
            for (ToolCall call : calls) {
                ObjectNode o = array.addObject().put("id", call.id()).put("type", "function");
                o.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            }
        }
        if (ResponseShape.hasLogprobs(choice.logprobs())) {
            ArrayNode content = c.putObject("logprobs").putArray("content");
            for (TokenLogprob lp : choice.logprobs()) content.add(logprobEntry(lp));
        } else {
            c.putNull("logprobs");
        }
        c.put("finish_reason", ResponseShape.finishReason(choice.finishReason()));
        if (!calls.isEmpty() && choice.finishReason() == FinishReason.STOP) c.put("finish_reason", "tool_calls");
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
