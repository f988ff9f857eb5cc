package dev.fairway.gateway.metrics;

import dev.fairway.gateway.http.EngineState;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import io.vertx.ext.web.RoutingContext;

/** GET /health: 503 while the model loads or the server drains, 200 once requests can be served. GET /metrics: Prometheus text. */
public final class HealthEndpoint {
    private final EngineState engine;
    private final GatewayMetrics metrics;
    private final Drain drain;

    public HealthEndpoint(EngineState engine, GatewayMetrics metrics, Drain drain) {
        this.engine = engine;
        this.metrics = metrics;
        this.drain = drain;
    }

    public void health(RoutingContext ctx) {
        if (drain.isDraining()) {
            ObjectNode body = ErrorResponder.body(ApiError.shuttingDown()).put("status", "draining");
            Json.send(ctx, 503, body);
            return;
        }
        if (!engine.isReady()) throw ApiError.notReady();
        Json.send(ctx, Json.object().put("status", "ok").put("model", engine.info().id()));
    }

    public void metrics(RoutingContext ctx) {
        ctx.vertx().executeBlocking(metrics::scrape, false).onSuccess(text -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text)).onFailure(ctx::fail);
    }
}
