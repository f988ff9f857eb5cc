package dev.fairway.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.Engine;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.models.ModelsConfig;
import dev.fairway.gateway.openai.BadRequestsTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP server answers before the model is loaded: 503 + Retry-After until ready, then 200. */
@ExtendWith(VertxExtension.class)
class HealthWhileLoadingTest {

    @Test
    void healthIs503WhileLoadingThen200(Vertx ignored) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // the load is held until the test has seen the 503s: "while loading" is a fact, not a race with allocation
        CountDownLatch seen = new CountDownLatch(1);
        GatewayConfig base = TestGateway.config(TestGateway.tempDb());
        GatewayConfig config = TestGateway.withHost(base, "127.0.0.1", port);
        // a load timeout as `fairway serve` has one (default 30 s): a chat waits that long for the loading model
        ModelsConfig models = ModelsConfig.of(List.of(config.model()), 0, null, Duration.ofSeconds(1));
        Future<Gateway> starting = Gateway.start(config, models, System.out, c -> {
            try {
                seen.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Engine.open(c);
        });
        Http http = new Http("http://127.0.0.1:" + port);
        Http.Response first = null;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (first == null && System.nanoTime() < deadline) {
            try {
                first = http.get("/health");
            } catch (AssertionError connectionRefused) {
                Thread.sleep(5);
            }
        }
        try {
            assertThat(first).as("server never answered").isNotNull();
            assertThat(first.status()).as("answered before the model loaded").isEqualTo(503);
            assertThat(first.header("Retry-After")).isEqualTo("1");
            BadRequestsTest.assertOpenAiError(first.json(), null);
            Http.Response chatWhileLoading =
                    http.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
            assertThat(chatWhileLoading.status()).isEqualTo(503);
        } finally {
            seen.countDown();
        }

        try (Gateway gateway =
                starting.toCompletionStage().toCompletableFuture().get()) {
            assertThat(http.get("/health").status()).isEqualTo(200);
            assertThat(http.get("/health").json().get("model").asText()).isEqualTo("stories260K");
            assertThat(gateway.port()).isEqualTo(port);
        }
    }
}
