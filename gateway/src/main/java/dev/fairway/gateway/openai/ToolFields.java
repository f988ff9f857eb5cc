package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.grammar.Grammar;
import dev.fairway.engine.grammar.SchemaException;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolChoice;
import dev.fairway.engine.tools.ToolSpec;
import dev.fairway.engine.tools.Tools;
import dev.fairway.gateway.http.ApiError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The chat request's tools, tool_choice, parallel_tool_calls and response_format, validated; 400s name the field. */
public final class ToolFields {
    private ToolFields() {}

    public static Tools tools(ObjectNode body) {
        JsonNode t = body.get("tools");
        JsonNode choiceNode = body.get("tool_choice");
        Boolean parallel = body.has("parallel_tool_calls")
                        && !body.get("parallel_tool_calls").isNull()
                ? body.get("parallel_tool_calls").asBoolean()
                : null;
        List<ToolSpec> specs = new ArrayList<>();
        if (t != null && !t.isNull()) {
            if (!t.isArray()) throw ApiError.badRequest("'tools' must be an array.", "tools");
            Set<String> names = new HashSet<>();
            for (int i = 0; i < t.size(); i++) {
                ToolSpec spec = tool(t.get(i), "tools[" + i + "]");
                if (!names.add(spec.name()))
                    throw ApiError.badRequest("Duplicate tool name '" + spec.name() + "'.", "tools[" + i + "]");
                specs.add(spec);
            }
        }
        ToolChoice choice = choice(choiceNode, specs);
        return new Tools(specs, choice, parallel == null || parallel);
    }

    private static ToolSpec tool(JsonNode t, String at) {
        if (!t.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
        String type = t.path("type").asText("function");
        if (!type.equals("function"))
            throw ApiError.badRequest(
                    "Tool type '" + type + "' is not supported (function tools only).",
                    at + ".type",
                    "unsupported_parameter");
        JsonNode f = t.get("function");
        if (f == null || !f.isObject())
            throw ApiError.badRequest(at + ".function must be an object.", at + ".function");
        JsonNode name = f.get("name");
        if (name == null || !name.isTextual() || !name.asText().matches("[a-zA-Z0-9_-]{1,64}"))
            throw ApiError.badRequest(
                    at + ".function.name must be 1-64 letters, digits, '_' or '-'.", at + ".function.name");
        JsonNode params = f.get("parameters");
        ToolSpec spec = new ToolSpec(name.asText(), f.path("description").asText(""), params);
        try {
            spec.argumentsGrammar(); // refused now, by name, rather than when a call is forced
        } catch (SchemaException e) {
            throw schemaError(e, at + ".function.parameters");
        }
        return spec;
    }

    private static ToolChoice choice(JsonNode c, List<ToolSpec> specs) {
        if (c == null || c.isNull()) return specs.isEmpty() ? ToolChoice.NONE : ToolChoice.AUTO;
        if (c.isTextual()) {
            ToolChoice choice = switch (c.asText()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "required" -> ToolChoice.REQUIRED;
                default ->
                    throw ApiError.badRequest(
                            "'tool_choice' must be 'auto', 'none', 'required' or a function.", "tool_choice");
            };
            if (choice.forcesCall() && specs.isEmpty())
                throw ApiError.badRequest("'tool_choice' is 'required' but no 'tools' were given.", "tool_choice");
            return choice;
        }
        JsonNode name = c.path("function").path("name");
        if (!c.isObject() || !name.isTextual())
            throw ApiError.badRequest(
                    "'tool_choice' must be a string or {\"type\": \"function\", \"function\": {\"name\": ...}}.",
                    "tool_choice");
        if (specs.stream().noneMatch(s -> s.name().equals(name.asText())))
            throw ApiError.badRequest(
                    "'tool_choice' names function '" + name.asText() + "', which is not in 'tools'.", "tool_choice");
        return ToolChoice.function(name.asText());
    }

    /** The grammar response_format asks for, or null for plain text (also for the Ollama and Responses spellings). */
    public static Grammar responseFormat(ObjectNode body) {
        JsonNode rf = body.get("response_format");
        if (rf == null || rf.isNull()) return null;
        if (!rf.isObject()) throw ApiError.badRequest("'response_format' must be an object.", "response_format");
        String type = rf.path("type").asText("");
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return Grammar.jsonObject();
            case "json_schema":
                JsonNode js = rf.get("json_schema");
                if (js == null || !js.isObject())
                    throw ApiError.badRequest(
                            "'response_format.json_schema' must be an object.", "response_format.json_schema");
                if (!js.path("name").isTextual())
                    throw ApiError.badRequest(
                            "'response_format.json_schema.name' is required.", "response_format.json_schema.name");
                JsonNode schema = js.get("schema");
                if (schema == null || !schema.isObject())
                    throw ApiError.badRequest(
                            "'response_format.json_schema.schema' must be a JSON schema object.",
                            "response_format.json_schema.schema");
                try {
                    return Grammar.jsonSchema(schema);
                } catch (SchemaException e) {
                    throw schemaError(e, "response_format.json_schema.schema");
                }
            default:
                throw ApiError.badRequest(
                        "'response_format.type' must be 'text', 'json_object' or 'json_schema'.",
                        "response_format.type");
        }
    }

    private static ApiError schemaError(SchemaException e, String field) {
        return ApiError.badRequest("Invalid schema in '" + field + "': " + e.getMessage(), field, "invalid_schema");
    }

    /** An assistant message's tool_calls. */
    static List<ToolCall> calls(JsonNode calls, String at) {
        if (calls == null || calls.isNull()) return List.of();
        if (!calls.isArray()) throw ApiError.badRequest(at + " must be an array.", at);
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String where = at + "[" + i + "]";
            JsonNode f = c.path("function");
            if (!f.path("name").isTextual())
                throw ApiError.badRequest(where + ".function.name must be a string.", where + ".function.name");
            JsonNode args = f.get("arguments");
            String arguments =
                    args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
            out.add(new ToolCall(
                    c.path("id").asText(ToolCall.newId()), f.get("name").asText(), arguments));
        }
        return out;
    }
}
