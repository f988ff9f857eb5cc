package dev.fairway.engine.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's Jinja chat template, parsed once. jlama's PromptSupport parses the template again on every render
 * (~0.2 ms of a request's latency, ten times the render itself); the Jinja settings, the bindings and
 * raise_exception (logged, not thrown) are the same as jlama's, so the prompt text is identical.
 */
final class ChatTemplate {
    private static final Logger log = LoggerFactory.getLogger(ChatTemplate.class);
    /** Hugging Face's Jinja settings, as jlama configures them. */
    private static final Jinjava JINJA = new Jinjava(JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withLegacyOverrides(LegacyOverrides.newBuilder()
                    .withParseWhitespaceControlStrictly(true)
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withUseSnakeCasePropertyNaming(true)
                    .build())
            .build());

    static {
        JINJA.getGlobalContext()
                .registerFunction(new ELFunctionDefinition(
                        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    private final Node tree;
    private final String eosToken;
    private final String source;

    ChatTemplate(String template, String eosToken) {
        JinjavaInterpreter parser = JINJA.newInterpreter();
        JinjavaInterpreter.pushCurrent(parser);
        try {
            this.tree = parser.parse(template);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        this.eosToken = eosToken;
        this.source = template;
    }

    /** The template's text (tool formats are told from it). */
    String source() {
        return source;
    }

    /** Whether the template renders a {@code tools} list itself. */
    boolean supportsTools() {
        return source.contains("tools");
    }

    /** The prompt text for these messages, with the assistant's generation prompt appended. Thread-safe. */
    String render(List<ChatTurn> messages, List<Map<String, Object>> tools) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (ChatTurn m : messages) {
            Map<String, Object> map = new HashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            if (!m.toolCalls().isEmpty()) map.put("tool_calls", m.toolCalls());
            if (m.toolCallId() != null) map.put("tool_call_id", m.toolCallId());
            list.add(map);
        }
        Map<String, Object> bindings = new HashMap<>();
        if (!tools.isEmpty()) bindings.put("tools", tools);
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", true);
        bindings.put("eos_token", eosToken);
        bindings.put("bos_token", ""); // the codec adds BOS as a token
        JinjavaInterpreter interpreter = new JinjavaInterpreter(
                JINJA,
                new Context(
                        JINJA.getGlobalContext(),
                        bindings,
                        JINJA.getGlobalConfig().getDisabled()),
                JINJA.getGlobalConfig());
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String out = interpreter.render(tree, true);
            if (!interpreter.getErrors().isEmpty()) log.debug("Chat template errors: {}", interpreter.getErrors());
            return out;
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    public static void raiseException(String message) {
        log.warn("Chat template error: {}", message);
    }
}
