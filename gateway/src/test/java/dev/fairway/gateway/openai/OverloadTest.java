package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A full queue is a 429 with Retry-After (OpenAI rate-limit shape), not a hang; admitted requests still finish. */
class OverloadTest {

    private static String body(int maxTokens) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":" + maxTokens
                + ",\"ignore_eos\":true}";
    }

    @Test
    void fullQueueAnswers429WithRetryAfter() throws InterruptedException {
        GatewayConfig config = TestGateway.config(
                TestGateway.tempDb(), b -> b.maxRunningSequences(1).maxWaitingRequests(1));
        try (Gateway gateway = TestGateway.start(config)) {
            Http http = new Http(gateway.baseUrl());
            // The first request runs and the second waits before the burst arrives, and the brake keeps the first
            // running until the burst is answered: one running and one waiting slot then refuse every request of the
            // burst on any machine (unbraked, a slow client could see the first finish and the second take its place).
            CompletableFuture<Http.Response> first =
                    CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body(480)));
            awaitMetric(http, "vllm:num_requests_running", 1);
            CompletableFuture<Http.Response> second;
            List<Http.Response> burst;
            try (EngineBrake brake = EngineBrake.on(gateway)) {
                second = CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body(150)));
                awaitMetric(http, "vllm:num_requests_waiting", 1);
                List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
                for (int i = 0; i < 6; i++)
                    calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body(150))));
                burst = calls.stream().map(CompletableFuture::join).toList();
                assertThat(first).as("the first request still runs").isNotDone();
            }
            for (Http.Response r : burst) {
                assertThat(r.status()).as(r.body()).isEqualTo(429);
                assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
                JsonNode error = r.json().get("error");
                assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
            }
            Http.Response queued = second.join();
            assertThat(queued.status()).as(queued.body()).isEqualTo(200);
            assertThat(queued.json().get("usage").get("completion_tokens").asInt())
                    .isEqualTo(150);
            assertThat(first.join().json().get("usage").get("completion_tokens").asInt())
                    .isEqualTo(480);
        }
    }

    private static void awaitMetric(Http http, String name, int value) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : http.get("/metrics").body().split("\n"))
                if (line.startsWith(name) && line.endsWith(" " + value + ".0")) return;
            Thread.sleep(5);
        }
        throw new AssertionError(name + " never reached " + value);
    }
}
