package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ModelFootprint;
import dev.fairway.engine.ModelInfo;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.models.ModelRegistry;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * GET /v1/models and /v1/models/{id}: every model the server offers, loaded or not, with its size in memory (weights
 * and KV pool: estimated from its files, measured once loaded), quantization and context length. A model not on this
 * machine yet (a Hugging Face id to download) has these once it has been loaded. With --models-dir the list first
 * rescans that folder.
 */
public final class ModelsEndpoint {
    private final ModelRegistry models;
    private final long created = System.currentTimeMillis() / 1000;

    public ModelsEndpoint(ModelRegistry models) {
        this.models = models;
    }

    public void list(RoutingContext ctx) {
        Future<Void> scanned = models.config().modelsDir() == null
                ? Future.succeededFuture()
                : ctx.vertx().executeBlocking(() -> {
                    models.rescan();
                    return null;
                });
        scanned.onComplete(ar -> {
            ObjectNode body = Json.object().put("object", "list");
            var data = body.putArray("data");
            for (ModelRegistry.Entry e : models.entries()) data.add(model(e));
            Json.send(ctx, body);
        });
    }

    public void get(RoutingContext ctx) {
        Json.send(ctx, model(models.resolve(ctx.pathParam("id"))));
    }

    private ObjectNode model(ModelRegistry.Entry e) {
        ObjectNode m = Json.object()
                .put("id", e.name())
                .put("object", "model")
                .put("created", created)
                .put("owned_by", "fairway");
        ModelRegistry.State state = e.state();
        m.put("loaded", state == ModelRegistry.State.LOADED);
        m.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
        m.put("default", e == models.defaultEntry());
        m.put("source", e.source());
        ModelInfo info = e.info();
        ModelFootprint files = e.estimate();
        long size = e.sizeBytes();
        if (size >= 0) m.put("size_bytes", size);
        if (files != null) {
            m.put("quantization", files.storedType());
            m.put("file_bytes", files.fileBytes());
        }
        if (info != null) {
            m.put("max_model_len", info.contextLength());
            m.put("architecture", info.architecture());
            m.put("weight_type", info.weightType());
            m.put("parameter_count", info.parameterCount());
        } else if (files != null) {
            m.put("max_model_len", files.contextLength());
            m.put("weight_type", files.weightType());
            m.put("parameter_count", files.parameterCount());
        }
        if (e.error() != null) m.put("error", e.error());
        return m;
    }
}
