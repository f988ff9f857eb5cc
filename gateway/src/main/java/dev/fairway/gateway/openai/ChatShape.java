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
    /** Call ids are this plus the call's index: every extractor of one response names the same call alike. */
    private final String callIdPrefix;

    private ChatShape(Set<String> toolNames) {
        this.toolNames = toolNames;
        String random = ToolCall.newId();
        this.callIdPrefix = random.substring(0, random.length() - 2);
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
        return toolNames == null
                ? null
                : new ToolCallExtractor(toolNames, i -> callIdPrefix + String.format("%02d", i));
    }

    /** A whole reply split as the client is shown it: the content before any calls, and the calls. */
    public record Reply(String content, List<ToolCall> calls) {}

    /** The reply a choice's full text makes, with the call ids this response gives its client. */
    public Reply reply(String text) {
        ToolCallExtractor x = extractor();
        if (x == null) return new Reply(text, List.of());
        x.feed(text);
        x.finish();
        return new Reply(x.content(), x.calls());
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
        Reply reply = reply(choice.text());
        List<ToolCall> calls = reply.calls();
        m.put("role", "assistant");
        if (calls.isEmpty() || !reply.content().isBlank()) m.put("content", reply.content());
        else m.putNull("content");
        m.putNull("refusal");
        if (!calls.isEmpty()) m.set("tool_calls", toolCallsJson(calls));
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

    /** Calls as a chat message's {@code tool_calls}. */
    public static ArrayNode toolCallsJson(List<ToolCall> calls) {
        ArrayNode array = Json.array();
        for (ToolCall call : calls) {
            ObjectNode o = array.addObject().put("id", call.id()).put("type", "function");
            o.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
        return array;
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
