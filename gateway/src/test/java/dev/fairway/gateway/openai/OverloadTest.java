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

    @Test
    void fullQueueAnswers429WithRetryAfter() {
        GatewayConfig config = TestGateway.config(
                TestGateway.tempDb(), b -> b.maxRunningSequences(1).maxWaitingRequests(1));
        try (Gateway gateway = TestGateway.start(config)) {
            Http http = new Http(gateway.baseUrl());
            String body =
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":150,\"ignore_eos\":true}";
            List<CompletableFuture<Http.Response>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++)
                calls.add(CompletableFuture.supplyAsync(() -> http.post("/v1/chat/completions", body)));
            List<Http.Response> responses =
                    calls.stream().map(CompletableFuture::join).toList();
            List<Http.Response> rejected =
                    responses.stream().filter(r -> r.status() == 429).toList();
            List<Http.Response> served =
                    responses.stream().filter(r -> r.status() == 200).toList();
            assertThat(rejected.size() + served.size()).isEqualTo(8);
            assertThat(rejected).isNotEmpty();
            assertThat(served).hasSizeGreaterThanOrEqualTo(2);
            for (Http.Response r : rejected) {
                assertThat(Integer.parseInt(r.header("Retry-After"))).isPositive();
                JsonNode error = r.json().get("error");
                assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
            }
            for (Http.Response r : served)
                assertThat(r.json().get("usage").get("completion_tokens").asInt())
                        .isEqualTo(150);
        }
    }
}
