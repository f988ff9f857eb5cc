package dev.fairway.gateway.models;

import dev.fairway.gateway.http.ApiError;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A request's way to its model, on the event loop: pins it for the life of the response (released when the response
 * ends or the client leaves), waits for a load, keeps a streaming client company meanwhile (headers, then an SSE
 * comment every few seconds), and gives up after {@code --load-timeout} with 503 and Retry-After.
 */
public final class ModelAccess {
    /** A streaming client sees its headers this soon when its model must load first. */
    static final long HEADERS_WITHIN_MS = 200;

    static final long KEEP_ALIVE_MS = 5_000;

    private final ModelRegistry registry;

    public ModelAccess(ModelRegistry registry) {
        this.registry = registry;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public Future<ModelRegistry.Lease> lease(RoutingContext ctx, ModelRegistry.Entry entry, boolean stream) {
        return lease(ctx, entry, stream, null);
    }

    /** With the request's keep-alive (null: the server's), as {@link ModelRegistry#acquire(ModelRegistry.Entry, Duration)}. */
    public Future<ModelRegistry.Lease> lease(
            RoutingContext ctx, ModelRegistry.Entry entry, boolean stream, Duration keepAlive) {
        CompletableFuture<ModelRegistry.Lease> pending = registry.acquire(entry, keepAlive);
        if (pending.isDone() && !pending.isCompletedExceptionally()) {
            ModelRegistry.Lease lease = pending.join();
            ctx.addEndHandler(v -> lease.release());
            return Future.succeededFuture(lease);
        }
        Context context = ctx.vertx().getOrCreateContext();
        Promise<ModelRegistry.Lease> result = Promise.promise();
        HttpServerResponse response = ctx.response();
        long[] timers = {-1, -1, -1};
        if (stream) {
            timers[0] = ctx.vertx().setTimer(HEADERS_WITHIN_MS, t -> {
                if (result.future().isComplete() || response.headWritten() || response.closed()) return;
                response.setChunked(true)
                        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                        .putHeader("Cache-Control", "no-cache")
                        .putHeader("X-Accel-Buffering", "no");
                response.write(": loading model " + entry.name() + "\n\n");
                timers[1] = ctx.vertx().setPeriodic(KEEP_ALIVE_MS, p -> {
                    if (!response.ended() && !response.closed())
                        response.write(": loading model " + entry.name() + "\n\n");
                });
            });
        }
        long timeoutMs = registry.config().loadTimeout().toMillis();
        if (timeoutMs > 0) {
            timers[2] = ctx.vertx()
                    .setTimer(
                            timeoutMs,
                            t -> result.tryFail(new ApiError(
                                    503,
                                    "server_error",
                                    "model_loading",
                                    "model",
                                    "The model '" + entry.name() + "' is still loading; retry shortly.",
                                    (int) Math.max(1, Math.min(60, timeoutMs / 1000)))));
        }
        pending.whenComplete((lease, err) -> context.runOnContext(v -> {
            for (long id : timers) if (id >= 0) ctx.vertx().cancelTimer(id);
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause()
                        : err;
                result.tryFail(cause);
            } else if (result.tryComplete(lease)) {
                ctx.addEndHandler(e -> lease.release());
                if (response.ended() || response.closed()) lease.release();
            } else {
                lease.release(); // the request gave up (load timeout)
            }
        }));
        return result.future().onComplete(ar -> {
            if (ar.failed()) for (long id : timers) if (id >= 0) ctx.vertx().cancelTimer(id);
        });
    }
}
