package dev.fairway.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fairway.engine.grammar.Grammar;

/** A function the model may call: name, description and a JSON schema of its arguments (an object). */
public record ToolSpec(String name, String description, JsonNode parameters) {
    public ToolSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a tool needs a name");
        description = description == null ? "" : description;
        if (parameters == null || parameters.isNull()) parameters = emptyObject();
    }

    /** The grammar of this tool's arguments; throws SchemaException naming an unsupported keyword. */
    public Grammar argumentsGrammar() {
        return Grammar.jsonSchema(parameters);
    }

    private static JsonNode emptyObject() {
        var o = JsonNodeFactory.instance.objectNode().put("type", "object");
        o.putObject("properties");
        return o;
    }
}
