package dev.fairway.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.openai.BadRequestsTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
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
        // a large KV cache makes loading take long enough (allocation) for the 503 window to be observable
        GatewayConfig base = TestGateway.config(TestGateway.tempDb(), b -> b.kvCacheMb(512));
        GatewayConfig config = TestGateway.withHost(base, "127.0.0.1", port);
        Future<Gateway> starting = Gateway.start(config, System.out);
        Http http = new Http("http://127.0.0.1:" + port);
        Http.Response first = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (first == null && System.nanoTime() < deadline) {
            try {
                first = http.get("/health");
            } catch (AssertionError connectionRefused) {
                Thread.sleep(5);
            }
        }
        assertThat(first).as("server never answered").isNotNull();
        assertThat(first.status()).as("answered before the model loaded").isEqualTo(503);
        assertThat(first.header("Retry-After")).isEqualTo("1");
        BadRequestsTest.assertOpenAiError(first.json(), null);
        Http.Response chatWhileLoading =
                http.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
        if (!starting.isComplete()) assertThat(chatWhileLoading.status()).isEqualTo(503);

        try (Gateway gateway =
                starting.toCompletionStage().toCompletableFuture().get()) {
            assertThat(http.get("/health").status()).isEqualTo(200);
            assertThat(http.get("/health").json().get("model").asText()).isEqualTo("stories260K");
            assertThat(gateway.port()).isEqualTo(port);
        }
    }
}
