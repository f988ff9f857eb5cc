package dev.fairway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;

/**
 * Seeded random JSON schemas in OpenAI strict mode's subset: nested objects with required and optional properties,
 * arrays with item bounds, string enums, numbers, integers, booleans, nullable fields (anyOf / type lists) and
 * $defs/$ref. Strings and arrays are bounded so a tiny model's output fits its context.
 */
public final class RandomSchemas {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] NAMES = {
        "name", "age", "city", "tags", "score", "active", "kind", "items", "note", "id", "size", "color", "owner",
        "count", "ratio", "title", "étoile", "日付"
    };

    private final Random random;

    public RandomSchemas(long seed) {
        this.random = new Random(seed);
    }

    /** The next schema: always an object at the top (what response_format and tool parameters need). */
    public ObjectNode next() {
        ObjectNode root = object(0);
        if (random.nextInt(4) == 0) {
            ObjectNode defs = root.putObject("$defs");
            defs.set("point", object(2));
            ObjectNode props = (ObjectNode) root.get("properties");
            props.putObject("ref").put("$ref", "#/$defs/point");
            ((ArrayNode) root.get("required")).add("ref");
        }
        return root;
    }

    private ObjectNode object(int depth) {
        ObjectNode o = F.objectNode().put("type", "object");
        ObjectNode props = o.putObject("properties");
        ArrayNode required = o.putArray("required");
        int n = 1 + random.nextInt(depth == 0 ? 4 : 3);
        for (int i = 0; i < n; i++) {
            String name = NAMES[random.nextInt(NAMES.length)];
            if (props.has(name)) continue;
            props.set(name, value(depth + 1));
            if (random.nextInt(3) > 0) required.add(name);
        }
        o.put("additionalProperties", false);
        return o;
    }

    private JsonNode value(int depth) {
        int kind = random.nextInt(depth >= 3 ? 6 : 9);
        return switch (kind) {
            case 0 -> F.objectNode().put("type", "string").put("maxLength", 1 + random.nextInt(12));
            case 1 -> F.objectNode().put("type", "integer");
            case 2 -> F.objectNode().put("type", "number");
            case 3 -> F.objectNode().put("type", "boolean");
            case 4 -> {
                ObjectNode e = F.objectNode().put("type", "string");
                ArrayNode values = e.putArray("enum");
                int k = 1 + random.nextInt(4);
                for (int i = 0; i < k; i++) values.add(new String[] {"red", "green", "blue", "ok", "non", "ja"}[i]);
                yield e;
            }
            case 5 -> {
                ObjectNode nullable = F.objectNode();
                ArrayNode any = nullable.putArray("anyOf");
                any.add(F.objectNode().put("type", "string").put("maxLength", 8));
                any.add(F.objectNode().put("type", "null"));
                yield nullable;
            }
            case 6, 7 -> {
                ObjectNode a = F.objectNode().put("type", "array");
                a.set("items", value(depth + 1));
                int min = random.nextInt(2);
                a.put("minItems", min).put("maxItems", min + 1 + random.nextInt(3));
                yield a;
            }
            default -> object(depth);
        };
    }
}
