package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Usage;
import dev.fairway.gateway.http.Json;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** The fields every completion object shares: id, object, created, model, usage. */
public record Envelope(String id, long created, String model, ResponseShape shape) {

    /** Ids need to be unique, not unguessable: no SecureRandom (UUID.randomUUID) on the event loop. */
    public static Envelope of(ResponseShape shape, String model) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String id =
                HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
        return new Envelope(shape.idPrefix() + id, System.currentTimeMillis() / 1000, model, shape);
    }

    public ObjectNode chunk() {
        return head(shape.streamObject());
    }

    /** `{"id":...,"choices":[` of a chunk, for the per-token fast path (same field order as chunk()). */
    public String chunkPrefix() {
        String head = Json.write(chunk());
        return head.substring(0, head.length() - 1) + ",\"choices\":[";
    }

    public ObjectNode full() {
        return head(shape.fullObject());
    }

    private ObjectNode head(String object) {
        ObjectNode o = Json.object()
                .put("id", id)
                .put("object", object)
                .put("created", created)
                .put("model", model);
        o.put("system_fingerprint", "fairway");
        return o;
    }

    public static ObjectNode usage(Usage usage) {
        ObjectNode u = Json.object()
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0);
        return u;
    }
}
