package dev.fairway.gateway;

import dev.fairway.engine.EngineConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Starts a real gateway on 127.0.0.1 (free port) with the real engine on stories260K and a fresh SQLite file. */
public final class TestGateway {
    /** What stories260K says after "Once upon a time", greedily. */
    public static final String STORY = ", there was a little girl named Lily";

    private TestGateway() {}

    public static Path shared() {
        return Path.of(System.getProperty("fairway.shared", "../../shared"))
                .toAbsolutePath()
                .normalize();
    }

    public static String modelPath() {
        return shared().resolve("models/stories260K").toString();
    }

    public static Path tempDb() {
        try {
            return Files.createTempDirectory("fairway-gw").resolve("fairway.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GatewayConfig config(Path db) {
        return config(db, b -> b);
    }

    public static GatewayConfig config(Path db, UnaryOperator<EngineConfig.Builder> engine) {
        EngineConfig.Builder b =
                EngineConfig.builder().model(modelPath()).kvCacheMb(32).threads(2);
        return new GatewayConfig(
                modelPath(),
                "127.0.0.1",
                0,
                db,
                256 * 1024,
                engine.apply(b).build(),
                GatewayConfig.DEFAULT_HEADER_TIMEOUT_SECONDS,
                GatewayConfig.DEFAULT_IDLE_TIMEOUT_SECONDS,
                "127.0.0.1",
                -1,
                false);
    }

    public static GatewayConfig withHost(GatewayConfig c, String host, int port) {
        return new GatewayConfig(
                c.model(),
                host,
                port,
                c.database(),
                c.maxBodyBytes(),
                c.engine(),
                c.headerTimeoutSeconds(),
                c.idleTimeoutSeconds(),
                c.metricsHost(),
                c.metricsPort(),
                c.metricsPerUser());
    }

    public static GatewayConfig withTimeouts(GatewayConfig c, int headerSeconds, int idleSeconds) {
        return new GatewayConfig(
                c.model(),
                c.host(),
                c.port(),
                c.database(),
                c.maxBodyBytes(),
                c.engine(),
                headerSeconds,
                idleSeconds,
                c.metricsHost(),
                c.metricsPort(),
                c.metricsPerUser());
    }

    public static GatewayConfig withMetrics(GatewayConfig c, String metricsHost, int metricsPort, boolean perUser) {
        return new GatewayConfig(
                c.model(),
                c.host(),
                c.port(),
                c.database(),
                c.maxBodyBytes(),
                c.engine(),
                c.headerTimeoutSeconds(),
                c.idleTimeoutSeconds(),
                metricsHost,
                metricsPort,
                perUser);
    }

    /** Per-user series on, as `--metrics-per-user`. */
    public static GatewayConfig perUser(GatewayConfig c) {
        return withMetrics(c, c.metricsHost(), c.metricsPort(), true);
    }

    public static Gateway start(GatewayConfig config) {
        return Gateway.start(config, System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
    }

    public static Gateway start() {
        return start(config(tempDb()));
    }
}
