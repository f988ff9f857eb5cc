package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ModelInfo;
import dev.fairway.gateway.http.EngineState;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import io.vertx.ext.web.RoutingContext;

/** GET /v1/models and /v1/models/{id}: the one loaded model. */
public final class ModelsEndpoint {
    private final EngineState engine;
    private final long created = System.currentTimeMillis() / 1000;

    public ModelsEndpoint(EngineState engine) {
        this.engine = engine;
    }

    public void list(RoutingContext ctx) {
        ObjectNode body = Json.object().put("object", "list");
        body.putArray("data").add(model(engine.info()));
        Json.send(ctx, body);
    }

    public void get(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!engine.serves(id)) {
            engine.engine(); // 503 while loading rather than a misleading 404
            throw ApiError.notFound("The model '" + id + "' does not exist.", "model", "model_not_found");
        }
        Json.send(ctx, model(engine.info()));
    }

    private ObjectNode model(ModelInfo info) {
        ObjectNode m = Json.object().put("id", info.id()).put("object", "model").put("created", created)
                .put("owned_by", "fairway");
        m.put("max_model_len", info.contextLength());
        m.put("architecture", info.architecture());
        m.put("weight_type", info.weightType());
        m.put("parameter_count", info.parameterCount());
        return m;
    }
}
