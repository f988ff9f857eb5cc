package dev.fairway.gateway;

import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineStats;
import dev.fairway.gateway.auth.UserKeys;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.EngineState;
import dev.fairway.gateway.store.ServerDatabase;
import dev.fairway.gateway.store.UserAdmin;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A running gateway. Start-up order: database (migrations on a worker), HTTP server (answers 503 on /health),
 * then the model; the returned future completes once the model serves.
 */
public final class Gateway implements AutoCloseable {
    private final Vertx vertx;
    private final GatewayConfig config;
    private final EngineState engine;
    private final Drain drain = new Drain();
    private boolean stopped;
    private GatewayVerticle verticle;
    private ServerDatabase database;
    private UserKeys userKeys;

    private Gateway(Vertx vertx, GatewayConfig config) {
        this.vertx = vertx;
        this.config = config;
        this.engine = new EngineState(config.model());
    }

    /** Starts on a Vert.x instance of its own, closed with the gateway. */
    public static Future<Gateway> start(GatewayConfig config, PrintStream out) {
        return start(config, out, null);
    }

    /** As above, serving an engine already loaded (benchmarks compare HTTP and in-process on one engine). */
    public static Future<Gateway> start(GatewayConfig config, PrintStream out, Engine preloaded) {
        Gateway g = new Gateway(Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)), config);
        return g.boot(out, preloaded).onFailure(e -> g.vertx.close().onComplete(v -> {
            g.closeUserKeys();
            if (g.database != null) g.database.close();
        }));
    }

    private Future<Gateway> boot(PrintStream out, Engine preloaded) {
        GatewayMetrics metrics = new GatewayMetrics(this::statsOrNull, config.metricsPerUser());
        return vertx.executeBlocking(this::openDatabase)
                .compose(db -> {
                    database = db;
                    return vertx.executeBlocking(() -> UserKeys.open(db.readOnlyDataSource(), db.reads()));
                })
                .compose(keys -> {
                    userKeys = keys;
                    verticle = new GatewayVerticle(config, engine, metrics, database, keys, drain);
                    return vertx.deployVerticle(verticle);
                })
                .compose(id -> {
                    out.println("HTTP up on http://" + config.host() + ":" + port() + " (" + (vertx.isNativeTransportEnabled() ? "epoll" : "NIO") + "; loading " + config.model() + "...)");
                    return preloaded != null ? Future.succeededFuture(preloaded) : loadModel();
                })
                .map(loaded -> {
                    engine.ready(loaded);
                    out.println("Fairway listening on http://" + config.host() + ":" + port());
                    out.flush();
                    return this;
                });
    }

    private ServerDatabase openDatabase() throws Exception {
        ServerDatabase db = ServerDatabase.open(vertx, config.database());
        if (!config.loopback() && new UserAdmin(db.writableDataSource()).count() == 0) {
            db.close();
            throw new IllegalStateException("refusing to listen on " + config.host() + " without API keys: "
                    + "create a user first (fairway users add NAME), or bind to 127.0.0.1");
        }
        return db;
    }

    /** Own thread rather than the worker pool: loading a big model would trip the blocked-thread checker. */
    private Future<Engine> loadModel() {
        Promise<Engine> loaded = Promise.promise();
        Thread.ofPlatform().name("fairway-model-loader").daemon(true).start(() -> {
            try {
                loaded.complete(Engine.open(config.engine()));
            } catch (Throwable t) {
                loaded.fail(t);
            }
        });
        return loaded.future();
    }

    private EngineStats statsOrNull() {
        Engine e = engine.engineOrNull();
        return e == null ? null : e.stats();
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

    public Engine engine() {
        return engine.engine();
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
        Engine e = engine.engineOrNull();
        try {
            if (verticle != null) verticle.closeServer().toCompletionStage().toCompletableFuture().join();
        } finally {
            if (e != null) e.close();
            closeUserKeys();
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
