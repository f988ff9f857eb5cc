package dev.fairway.engine.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.grammar.Grammar;
import java.util.ArrayList;
import java.util.List;

/**
 * How a model writes tool calls, told by its chat template: Hermes/Qwen {@code <tool_call>} blocks (also Fairway's
 * generic fallback for templates without tools), Llama 3.x bare JSON with "parameters", Mistral {@code [TOOL_CALLS]}
 * followed by a JSON array. A forced call (tool_choice required or named) is generated under this format's grammar.
 */
public enum ToolFormat {
    HERMES,
    LLAMA3,
    MISTRAL;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The format a chat template (its source text; null when there is none) uses. */
    public static ToolFormat of(String template) {
        if (template == null) return HERMES;
        if (template.contains("[TOOL_CALLS]")) return MISTRAL;
        if (template.contains("<tool_call>")) return HERMES;
        if (template.contains("<|python_tag|>") || template.contains("ipython")) return LLAMA3;
        return HERMES;
    }

    /** The output grammar of a forced call: one call, or up to MAX_PARALLEL_CALLS when parallel. */
    public Grammar grammar(Tools tools) {
        return Grammar.cached("tools:" + this + tools, () -> compile(tools));
    }

    private Grammar compile(Tools tools) {
        int max = tools.parallel() && this != LLAMA3 ? Tools.MAX_PARALLEL_CALLS : 1;
        String argumentsKey = this == LLAMA3 ? "parameters" : "arguments";
        List<Grammar> calls = new ArrayList<>();
        for (ToolSpec t : tools.callable()) {
            calls.add(Grammar.sequence(
                    Grammar.literal("{\"name\": " + quote(t.name()) + ", \"" + argumentsKey + "\": "),
                    t.argumentsGrammar(),
                    Grammar.literal("}")));
        }
        Grammar call = calls.size() == 1 ? calls.get(0) : Grammar.anyOf(calls);
        return switch (this) {
            case HERMES ->
                Grammar.repeat(
                        Grammar.sequence(Grammar.literal("<tool_call>\n"), call, Grammar.literal("\n</tool_call>")),
                        Grammar.literal("\n"),
                        1,
                        max);
            case LLAMA3 -> call;
            case MISTRAL ->
                Grammar.sequence(
                        Grammar.literal("["),
                        Grammar.repeat(call, Grammar.literal(", "), 1, max),
                        Grammar.literal("]"));
        };
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
