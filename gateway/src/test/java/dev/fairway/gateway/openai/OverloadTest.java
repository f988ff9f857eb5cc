package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
            // The first request must be running before the others arrive: one running slot and one waiting slot then
            // admit exactly one more, whatever the machine's speed (sending all at once could leave only the waiting
            // slot taken and let every other request be refused).
            CompletableFuture<Http.Response> first =
                    CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body(480)));
            awaitRunning(http);
            List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
            for (int i = 0; i < 7; i++)
                calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body(150))));
            List<Http.Response> responses =
                    calls.stream().map(CompletableFuture::join).toList();
            List<Http.Response> rejected =
                    responses.stream().filter(r -> r.status() == 429).toList();
            List<Http.Response> served =
                    responses.stream().filter(r -> r.status() == 200).toList();
            assertThat(rejected.size() + served.size()).isEqualTo(7);
            assertThat(rejected).isNotEmpty();
            assertThat(served).isNotEmpty();
            for (Http.Response r : rejected) {
                assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
                JsonNode error = r.json().get("error");
                assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
            }
            for (Http.Response r : served)
                assertThat(r.json().get("usage").get("completion_tokens").asInt())
                        .isEqualTo(150);
            assertThat(first.join().json().get("usage").get("completion_tokens").asInt())
                    .isEqualTo(480);
        }
    }

    private static void awaitRunning(Http http) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : http.get("/metrics").body().split("\n"))
                if (line.startsWith("vllm:num_requests_running") && !line.endsWith(" 0.0")) return;
            Thread.sleep(5);
        }
        throw new AssertionError("the first request never started running");
    }
}
