package dev.fairway.gateway;

import dev.fairway.engine.EngineConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Starts a real gateway on 127.0.0.1 (free port) with the real engine on stories260K and a fresh SQLite file. */
public final class TestGateway {
    private TestGateway() {}

    public static Path shared() {
        return Path.of(System.getProperty("fairway.shared", "../../shared")).toAbsolutePath().normalize();
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
        EngineConfig.Builder b = EngineConfig.builder().model(modelPath()).kvCacheMb(32).threads(2);
        return new GatewayConfig(modelPath(), "127.0.0.1", 0, db, 256 * 1024, engine.apply(b).build());
    }

    public static Gateway start(GatewayConfig config) {
        return Gateway.start(config, System.out).toCompletionStage().toCompletableFuture().join();
    }

    public static Gateway start() {
        return start(config(tempDb()));
    }
}
