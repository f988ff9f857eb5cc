package dev.fairway.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one ObjectMapper; request bodies are parsed from bytes so invalid UTF-8 is a parse error, not mojibake. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static ObjectNode parseObject(Buffer body) {
        if (body == null || body.length() == 0) throw ApiError.badRequest("Request body must be a JSON object.", null);
        JsonNode node;
        try {
            node = MAPPER.readTree(body.getBytes());
        } catch (IOException e) {
            throw ApiError.badRequest(
                    "Request body is not valid JSON: " + firstLine(e.getMessage()), null, "invalid_json");
        }
        if (node == null || !node.isObject())
            throw ApiError.badRequest("Request body must be a JSON object.", null, "invalid_json");
        return (ObjectNode) node;
    }

    public static void send(io.vertx.ext.web.RoutingContext ctx, int status, JsonNode node) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(write(node));
    }

    public static void send(io.vertx.ext.web.RoutingContext ctx, JsonNode node) {
        send(ctx, 200, node);
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
