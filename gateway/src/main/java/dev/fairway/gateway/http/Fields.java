package dev.fairway.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/** Typed, range-checked reads of optional JSON fields; every failure names the field (OpenAI `param`). */
public final class Fields {
    private Fields() {}

    /** Fields not in {@code known} are refused, like OpenAI's "Unrecognized request argument". */
    public static void rejectUnknown(ObjectNode body, Set<String> known) {
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw ApiError.badRequest("Unrecognized request argument supplied: " + name, name);
            }
        });
    }

    public static boolean present(ObjectNode body, String name) {
        JsonNode n = body.get(name);
        return n != null && !n.isNull();
    }

    public static Integer optInt(ObjectNode body, String name, long min, long max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
            throw ApiError.badRequest("'" + name + "' must be an integer.", name);
        }
        if (!n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw ApiError.badRequest("'" + name + "' must be between " + min + " and " + max + ".", name);
        }
        return (int) n.asLong();
    }

    public static Long optLong(ObjectNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ApiError.badRequest("'" + name + "' must be a 64-bit integer.", name);
        }
        return n.asLong();
    }

    public static Float optFloat(ObjectNode body, String name, double min, double max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw ApiError.badRequest("'" + name + "' must be a number.", name);
        double v = n.asDouble();
        if (!(v >= min && v <= max))
            throw ApiError.badRequest("'" + name + "' must be between " + min + " and " + max + ".", name);
        return (float) v;
    }

    public static Boolean optBool(ObjectNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isBoolean()) throw ApiError.badRequest("'" + name + "' must be a boolean.", name);
        return n.asBoolean();
    }

    public static String optString(ObjectNode body, String name, int maxLength) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiError.badRequest("'" + name + "' must be a string.", name);
        if (n.asText().length() > maxLength)
            throw ApiError.badRequest("'" + name + "' is longer than " + maxLength + " characters.", name);
        return n.asText();
    }

    public static ObjectNode optObject(ObjectNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) throw ApiError.badRequest("'" + name + "' must be an object.", name);
        return (ObjectNode) n;
    }
}
