package dev.fairway.engine.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The generic tool prompt, for chat templates that know nothing of tools: the tools and the Hermes call format go into
 * the system message, earlier calls are written back as {@code <tool_call>} blocks and tool results as
 * {@code <tool_response>} blocks in a user turn.
 */
public final class ToolPrompt {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolPrompt() {}

    /** The system text that offers these tools. */
    public static String systemText(List<ToolSpec> tools) {
        // short: small models have small contexts, and every tool's schema has to fit
        StringBuilder sb = new StringBuilder("Tools you can call, answering only with <tool_call>{\"name\": ..., ")
                .append("\"arguments\": {...}}</tool_call> for each call:");
        for (ToolSpec t : tools) {
            ObjectNode f = JSON.createObjectNode().put("name", t.name());
            if (!t.description().isBlank()) f.put("description", t.description());
            f.set("parameters", brief(t.parameters()));
            sb.append('\n').append(spaced(f));
        }
        return sb.toString();
    }

    /** The schema without what tells a model nothing (the grammar still enforces all of it). */
    static com.fasterxml.jackson.databind.JsonNode brief(com.fasterxml.jackson.databind.JsonNode schema) {
        com.fasterxml.jackson.databind.JsonNode copy = schema.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(com.fasterxml.jackson.databind.JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove(List.of("additionalProperties", "$schema", "strict", "title"));
            if (o.path("required").isArray() && o.path("required").isEmpty()) o.remove("required");
        }
        if (n.isContainerNode()) for (com.fasterxml.jackson.databind.JsonNode c : n) strip(c);
    }

    /**
     * JSON with a space after each ':' and ',': easier for a model to read, and a tokenizer fed word by word never
     * gets one long "word" (BPE merging is quadratic in a word's length).
     */
    static String spaced(com.fasterxml.jackson.databind.JsonNode node) {
        try {
            return SPACED.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectWriter SPACED =
            JSON.writer(new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()
                    .withObjectIndenter(new com.fasterxml.jackson.core.util.DefaultPrettyPrinter.NopIndenter())
                    .withArrayIndenter(new com.fasterxml.jackson.core.util.DefaultPrettyPrinter.NopIndenter())
                    .withSeparators(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                            .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                            .withObjectEntrySpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                            .withArrayValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)));

    /** An earlier call, as the model would have written it. */
    public static String callBlock(ToolCall call) {
        return "<tool_call>\n{\"name\": " + ToolFormat.quote(call.name()) + ", \"arguments\": " + call.arguments()
                + "}\n</tool_call>";
    }

    /** A tool's result, as the model is shown it. */
    public static String resultBlock(String content) {
        return "<tool_response>\n" + content + "\n</tool_response>";
    }
}
