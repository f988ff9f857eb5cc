package dev.fairway.gateway.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.models.ModelRegistry;
import io.vertx.ext.web.RoutingContext;

/**
 * GET /health: 503 while the models named to load at start load or the server drains, 200 once requests can be
 * served, with each model's state. GET /metrics: Prometheus text.
 */
public final class HealthEndpoint {
    private final ModelRegistry models;
    private final java.util.function.BooleanSupplier started;
    private final GatewayMetrics metrics;
    private final Drain drain;

    public HealthEndpoint(
            ModelRegistry models, java.util.function.BooleanSupplier started, GatewayMetrics metrics, Drain drain) {
        this.models = models;
        this.started = started;
        this.metrics = metrics;
        this.drain = drain;
    }

    public void health(RoutingContext ctx) {
        if (drain.isDraining()) {
            ObjectNode body = ErrorResponder.body(ApiError.shuttingDown()).put("status", "draining");
            Json.send(ctx, 503, body);
            return;
        }
        ObjectNode perModel = Json.object();
        for (ModelRegistry.Entry e : models.entries()) {
            ObjectNode m = perModel.putObject(e.name());
            m.put("state", e.state().name().toLowerCase(java.util.Locale.ROOT));
            m.put("requests", e.pins());
            if (e.sizeBytes() >= 0) m.put("size_bytes", e.sizeBytes());
            if (e.loadMillis() >= 0) m.put("load_ms", e.loadMillis());
            m.put("last_used", e.lastUseMillis() / 1000);
            if (e.error() != null) m.put("error", e.error());
        }
        if (!started.getAsBoolean()) {
            ObjectNode body = ErrorResponder.body(ApiError.notReady()).put("status", "loading");
            body.set("models", perModel);
            ctx.response().putHeader("Retry-After", "1");
            Json.send(ctx, 503, body);
            return;
        }
        ObjectNode body = Json.object()
                .put("status", "ok")
                .put("model", models.defaultEntry().name())
                .put("loaded_bytes", models.loadedBytes());
        if (models.config().memoryBudget() > 0)
            body.put("memory_budget_bytes", models.config().memoryBudget());
        body.set("models", perModel);
        Json.send(ctx, body);
    }

    public void metrics(RoutingContext ctx) {
        ctx.vertx()
                .executeBlocking(metrics::scrape, false)
                .onSuccess(text -> ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(text))
                .onFailure(ctx::fail);
    }
}
