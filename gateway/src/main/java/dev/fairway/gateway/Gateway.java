package dev.fairway.gateway;

import dev.fairway.engine.Engine;
import dev.fairway.gateway.auth.UserKeys;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.models.ModelsConfig;
import dev.fairway.gateway.store.Dialect;
import dev.fairway.gateway.store.ServerDatabase;
import dev.fairway.gateway.store.UserAdmin;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A running gateway. Start-up order: database (migrations on a worker), HTTP server (answers 503 on /health),
 * then the models named to load at start ({@code --preload}, by default the first); the returned future completes
 * once they serve. Other models load on their first request ({@link ModelRegistry}).
 */
public final class Gateway implements AutoCloseable {
    private final Vertx vertx;
    private final GatewayConfig config;
    private final ModelRegistry models;
    private volatile boolean started;
    private final Drain drain = new Drain();
    private boolean stopped;
    private GatewayVerticle verticle;
    private ServerDatabase database;
    private UserKeys userKeys;
    private GatewayMetrics metrics;

    private Gateway(
            Vertx vertx,
            GatewayConfig config,
            ModelsConfig models,
            java.util.function.Function<dev.fairway.engine.EngineConfig, Engine> loader) {
        this.vertx = vertx;
        this.config = config;
        this.models = new ModelRegistry(models, config.engine(), loader);
    }

    /** Starts on a Vert.x instance of its own, closed with the gateway. */
    public static Future<Gateway> start(GatewayConfig config, PrintStream out) {
        return start(config, out, null);
    }

    /** As above, serving an engine already loaded (benchmarks compare HTTP and in-process on one engine). */
    public static Future<Gateway> start(GatewayConfig config, PrintStream out, Engine preloaded) {
        return start(config, ModelsConfig.single(config.model()), out, preloaded, null);
    }

    /** Several models ({@code fairway serve --model A --model B}); {@code config.model()} is not used. */
    public static Future<Gateway> start(GatewayConfig config, ModelsConfig models, PrintStream out) {
        return start(config, models, out, null, null);
    }

    /** As above, models loaded by {@code loader} (tests: a slow load); null = the engine's own loading. */
    public static Future<Gateway> start(
            GatewayConfig config,
            ModelsConfig models,
            PrintStream out,
            java.util.function.Function<dev.fairway.engine.EngineConfig, Engine> loader) {
        return start(config, models, out, null, loader);
    }

    private static Future<Gateway> start(
            GatewayConfig config,
            ModelsConfig models,
            PrintStream out,
            Engine preloaded,
            java.util.function.Function<dev.fairway.engine.EngineConfig, Engine> loader) {
        Gateway g = new Gateway(Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)), config, models, loader);
        if (preloaded != null) g.models.adopt(g.models.defaultEntry(), preloaded);
        return g.boot(out)
                .onFailure(e -> g.vertx.close().onComplete(v -> {
                    g.models.close();
                    g.closeUserKeys();
                    if (g.metrics != null) g.metrics.close();
                    if (g.database != null) g.database.close();
                }));
    }

    private Future<Gateway> boot(PrintStream out) {
        GatewayMetrics metrics = new GatewayMetrics(models::stats, config.metricsPerUser());
        this.metrics = metrics;
        return vertx.executeBlocking(this::openDatabase)
                .compose(db -> {
                    database = db;
                    if (db.dialect() == Dialect.POSTGRESQL) return Future.succeededFuture(UserKeys.polling(db.reads()));
                    return vertx.executeBlocking(() -> UserKeys.open(db.readOnlyDataSource(), db.reads()));
                })
                .compose(keys -> {
                    userKeys = keys;
                    verticle = new GatewayVerticle(config, models, () -> started, metrics, database, keys, drain);
                    return vertx.deployVerticle(verticle);
                })
                .compose(id -> {
                    out.println("HTTP up on http://" + config.host() + ":" + port() + " ("
                            + (vertx.isNativeTransportEnabled() ? "epoll" : "NIO") + "; loading "
                            + (models.config().preload().isEmpty()
                                    ? "no model until asked"
                                    : String.join(", ", models.config().preload()))
                            + "...)");
                    return preload(out);
                })
                .map(loaded -> {
                    started = true;
                    out.println("Fairway listening on http://" + config.host() + ":" + port());
                    out.flush();
                    return this;
                });
    }

    private ServerDatabase openDatabase() throws Exception {
        ServerDatabase db = ServerDatabase.open(vertx, config.store());
        if (!config.loopback() && new UserAdmin(db.writableDataSource()).count() == 0) {
            db.close();
            throw new IllegalStateException("refusing to listen on " + config.host() + " without API keys: "
                    + "create a user first (fairway users add NAME), or bind to 127.0.0.1");
        }
        return db;
    }

    /**
     * Loads the {@code --preload} models, one after the other. With one model a failure fails the start (as it
     * always did); with several the failed model answers its requests with the error and the others serve.
     */
    private Future<Void> preload(PrintStream out) {
        java.util.concurrent.CompletableFuture<Void> all = java.util.concurrent.CompletableFuture.completedFuture(null);
        boolean fatal = models.config().models().size() == 1;
        for (String name : models.config().preload()) {
            ModelRegistry.Entry e = models.resolve(name);
            all = all.thenCompose(v -> models.preload(e).handle((engine, err) -> {
                if (err == null) return null;
                Throwable cause = err.getCause() != null && err instanceof java.util.concurrent.CompletionException
                        ? err.getCause()
                        : err;
                if (fatal) throw new java.util.concurrent.CompletionException(cause);
                out.println("fairway serve: model " + e.name() + " failed to load: " + cause.getMessage());
                return null;
            }));
        }
        java.util.concurrent.CompletableFuture<Void> done = all;
        return Future.fromCompletionStage(done.exceptionallyCompose(
                err -> java.util.concurrent.CompletableFuture.failedFuture(
                        err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                                ? err.getCause()
                                : err)));
    }

    public int port() {
        return verticle.actualPort();
    }

    /** The port of the separate /metrics listener, or -1 without one. */
    public int metricsPort() {
        return verticle.actualMetricsPort();
    }

    public String baseUrl() {
        return "http://" + config.host() + ":" + port();
    }

    /** The default model's engine (503 if it is not loaded). */
    public Engine engine() {
        Engine e = models.defaultEntry().engineOrNull();
        if (e == null) throw ApiError.notReady();
        return e;
    }

    public ModelRegistry models() {
        return models;
    }

    public GatewayConfig config() {
        return config;
    }

    /** Stops at once: running generations are cut (streams end with an error event, replies stored as partial). */
    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    /**
     * Graceful stop (SIGTERM, Ctrl-C): new requests get 503 and /health says draining; running generations get
     * {@code grace} to finish, then are cut; every stream ends with a final event and every reply is stored before
     * the HTTP server, the engine and, last, the database close. Blocking; idempotent.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) return;
        stopped = true;
        drain.drain(grace, Duration.ofSeconds(10));
        try {
            if (verticle != null)
                verticle.closeServer().toCompletionStage().toCompletableFuture().join();
        } finally {
            models.close();
            closeUserKeys();
            if (metrics != null) metrics.close();
            if (database != null) database.close();
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private void closeUserKeys() {
        try {
            if (userKeys != null) userKeys.close();
        } catch (Exception ignored) {
            // closing: nothing left to do with the connection
        }
    }
}
