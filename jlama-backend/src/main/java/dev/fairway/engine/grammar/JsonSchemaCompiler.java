package dev.fairway.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the JSON Schema subset of OpenAI's strict mode (type, properties, required, additionalProperties, items,
 * minItems/maxItems, enum, const, anyOf, $defs/definitions/$ref) plus minLength/maxLength into a grammar. Keywords
 * that only annotate are ignored; any other keyword is refused by name rather than silently not enforced.
 */
final class JsonSchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "$schema",
            "$id",
            "$comment",
            "default",
            "examples",
            "deprecated",
            "readOnly",
            "writeOnly",
            "strict");
    private static final Set<String> SUPPORTED = Set.of(
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "enum",
            "const",
            "anyOf",
            "$defs",
            "definitions",
            "$ref",
            "minLength",
            "maxLength");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode root;
    private final Node ws;
    private final Map<String, Nodes.Ref> refs = new HashMap<>();
    private final List<String> pendingRefs = new ArrayList<>();

    JsonSchemaCompiler(JsonNode root, Node ws) {
        this.root = root;
        this.ws = ws;
    }

    Node compile() {
        Node top = node(root, "");
        // $refs are resolved after the walk so that definitions may refer to each other (and to themselves)
        for (int i = 0; i < pendingRefs.size(); i++) {
            String ref = pendingRefs.get(i);
            JsonNode target = resolve(ref);
            refs.get(ref).target = node(target, ref.substring(1));
        }
        if (top.minLen() >= Nodes.INF) throw new SchemaException("The schema allows no finite value", "");
        return top;
    }

    private Node node(JsonNode s, String at) {
        if (s == null || !s.isObject()) {
            if (s != null && s.isBoolean() && s.asBoolean()) return Json.anyValue(ws);
            throw new SchemaException("A schema must be an object" + where(at), at);
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) {
                throw new SchemaException(
                        "JSON schema keyword '" + k + "'" + where(at) + " is not supported (supported: "
                                + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")",
                        at + "/" + k);
            }
        }
        if (s.has("$ref")) return ref(s.get("$ref"), at);
        if (s.has("const")) return literals(List.of(s.get("const")), at);
        if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty())
                throw new SchemaException("'enum'" + where(at) + " must be a non-empty array", at + "/enum");
            List<JsonNode> values = new ArrayList<>();
            e.forEach(values::add);
            return literals(values, at);
        }
        if (s.has("anyOf")) {
            JsonNode any = s.get("anyOf");
            if (!any.isArray() || any.isEmpty())
                throw new SchemaException("'anyOf'" + where(at) + " must be a non-empty array", at + "/anyOf");
            Node[] options = new Node[any.size()];
            for (int i = 0; i < any.size(); i++) options[i] = node(any.get(i), at + "/anyOf/" + i);
            return new Nodes.Choice(options);
        }
        JsonNode type = s.get("type");
        if (type == null) {
            if (s.has("properties")) return object(s, at);
            if (s.has("items")) return array(s, at);
            return Json.anyValue(ws);
        }
        if (type.isTextual()) return typed(type.asText(), s, at);
        if (type.isArray() && !type.isEmpty()) {
            Set<String> names = new LinkedHashSet<>();
            type.forEach(t -> names.add(t.asText()));
            Node[] options = new Node[names.size()];
            int i = 0;
            for (String t : names) options[i++] = typed(t, s, at);
            return options.length == 1 ? options[0] : new Nodes.Choice(options);
        }
        throw new SchemaException("'type'" + where(at) + " must be a string or an array of strings", at + "/type");
    }

    private Node typed(String type, JsonNode s, String at) {
        return switch (type) {
            case "object" -> object(s, at);
            case "array" -> array(s, at);
            case "string" -> string(s, at);
            case "number" -> new JsonNumber(false);
            case "integer" -> new JsonNumber(true);
            case "boolean" -> Json.TRUE_FALSE;
            case "null" -> Json.NULL;
            default -> throw new SchemaException("Unknown type '" + type + "'" + where(at), at + "/type");
        };
    }

    private Node object(JsonNode s, String at) {
        JsonNode props = s.get("properties");
        if (props != null && !props.isObject())
            throw new SchemaException("'properties'" + where(at) + " must be an object", at + "/properties");
        Set<String> required = new HashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray())
                throw new SchemaException("'required'" + where(at) + " must be an array", at + "/required");
            for (JsonNode r : req) {
                if (!r.isTextual() || props == null || !props.has(r.asText())) {
                    throw new SchemaException(
                            "'required'" + where(at) + " names " + r + ", which is not in 'properties'",
                            at + "/required");
                }
                required.add(r.asText());
            }
        }
        JsonNode additional = s.get("additionalProperties");
        if (props == null || props.isEmpty()) {
            // No declared properties: any keys, with values as additionalProperties says (none when it is false).
            if (additional != null && additional.isBoolean() && !additional.asBoolean())
                return new Nodes.Sequence(Json.LBRACE, ws, Json.RBRACE);
            Node value = additional == null || additional.isBoolean()
                    ? Json.anyValue(ws)
                    : node(additional, at + "/additionalProperties");
            return new FreeObject(value, ws);
        }
        // Declared properties only: valid whether or not additionalProperties would allow more.
        if (additional != null && !additional.isBoolean()) node(additional, at + "/additionalProperties");
        int n = props.size();
        Node[] keys = new Node[n];
        Node[] values = new Node[n];
        boolean[] req2 = new boolean[n];
        int i = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); i++) {
            Map.Entry<String, JsonNode> e = it.next();
            keys[i] = Json.lit(quote(e.getKey()));
            values[i] = node(e.getValue(), at + "/properties/" + escapePointer(e.getKey()));
            req2[i] = required.contains(e.getKey());
        }
        return new JsonObject(keys, values, req2, ws);
    }

    private Node array(JsonNode s, String at) {
        int min = count(s, "minItems", 0, at);
        int max = count(s, "maxItems", Integer.MAX_VALUE, at);
        if (max < min) throw new SchemaException("'maxItems'" + where(at) + " is below 'minItems'", at + "/maxItems");
        JsonNode items = s.get("items");
        Node item = items == null ? Json.anyValue(ws) : node(items, at + "/items");
        return new JsonArray(item, min, max, ws);
    }

    private Node string(JsonNode s, String at) {
        int min = count(s, "minLength", 0, at);
        int max = count(s, "maxLength", Integer.MAX_VALUE, at);
        if (max < min)
            throw new SchemaException("'maxLength'" + where(at) + " is below 'minLength'", at + "/maxLength");
        return new JsonString(min, max);
    }

    private static int count(JsonNode s, String key, int otherwise, String at) {
        JsonNode v = s.get(key);
        if (v == null) return otherwise;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0)
            throw new SchemaException("'" + key + "'" + where(at) + " must be a non-negative integer", at + "/" + key);
        return v.asInt();
    }

    private Node literals(List<JsonNode> values, String at) {
        List<String> texts = new ArrayList<>();
        for (JsonNode v : values) {
            try {
                texts.add(JSON.writeValueAsString(v));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SchemaException("Cannot write enum value" + where(at), at);
            }
        }
        return new Nodes.Literal(texts);
    }

    private Node ref(JsonNode r, String at) {
        if (!r.isTextual() || !r.asText().startsWith("#"))
            throw new SchemaException("Only local '$ref's ('#/$defs/...') are supported" + where(at), at + "/$ref");
        String ref = r.asText();
        if (resolve(ref) == null)
            throw new SchemaException("'$ref' " + ref + where(at) + " points nowhere", at + "/$ref");
        return refs.computeIfAbsent(ref, k -> {
            pendingRefs.add(k);
            return new Nodes.Ref();
        });
    }

    private JsonNode resolve(String ref) {
        JsonNode n = root.at(ref.substring(1));
        return n.isMissingNode() ? null : n;
    }

    private static String quote(String key) {
        try {
            return JSON.writeValueAsString(key);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escapePointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String where(String at) {
        return at.isEmpty() ? "" : " (at " + at + ")";
    }
}
