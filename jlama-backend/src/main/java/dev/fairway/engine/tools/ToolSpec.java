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
        else if (parameters.isObject()
                && parameters.path("properties").isEmpty()
                && !parameters.has("additionalProperties")) {
            // a tool that declares no parameters takes none: {} (not any object a model might ramble into)
            parameters = ((com.fasterxml.jackson.databind.node.ObjectNode) parameters.deepCopy())
                    .put("additionalProperties", false);
        }
    }

    /** The grammar of this tool's arguments; throws SchemaException naming an unsupported keyword. */
    public Grammar argumentsGrammar() {
        return Grammar.jsonSchema(parameters);
    }

    private static JsonNode emptyObject() {
        var o = JsonNodeFactory.instance.objectNode().put("type", "object");
        o.putObject("properties");
        o.put("additionalProperties", false);
        return o;
    }
}
