package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.TestGateway;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Stream headers wait for the first tokens (one write), but not for long: a request queued behind others still sees
 * its response start, so clients that time out waiting for headers keep waiting for the tokens instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamHeadersTest {
    private Gateway gateway;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() {
        gateway = TestGateway.start(TestGateway.config(TestGateway.tempDb(), b -> b.maxRunningSequences(1)));
    }

    @AfterAll
    void stop() {
        http.shutdownNow(); // a failed test may leave requests ahead unfinished
        gateway.close();
    }

    private HttpRequest chat(boolean stream, int maxTokens) {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":" + stream
                + ",\"ignore_eos\":true,\"max_tokens\":" + maxTokens + "}";
        return HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    @Test
    void queuedStreamGetsItsHeadersBeforeItsFirstToken() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> ahead = new ArrayList<>();
        HttpResponse<InputStream> queued;
        boolean aheadStillRunning;
        // braked, the requests ahead all queue and stay unfinished until the headers are in, however slowly the
        // clients send
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            for (int i = 0; i < 4; i++)
                ahead.add(http.sendAsync(chat(false, 480), HttpResponse.BodyHandlers.ofString()));
            awaitWaiting(3);
            queued = http.sendAsync(chat(true, 5), HttpResponse.BodyHandlers.ofInputStream())
                    .get(60, TimeUnit.SECONDS);
            // one running sequence at a time: while a request ahead is unfinished this one cannot have a token yet
            aheadStillRunning = ahead.stream().anyMatch(f -> !f.isDone());
        }
        assertThat(queued.statusCode()).isEqualTo(200);
        assertThat(queued.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(aheadStillRunning)
                .as("headers came before the queued request could start")
                .isTrue();

        String events;
        try (InputStream in = queued.body()) {
            events = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(events)
                .startsWith("data: {")
                .contains("\"role\":\"assistant\"")
                .contains("\"content\":\"")
                .endsWith("data: [DONE]\n\n");
        for (var f : ahead) assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    private void awaitWaiting(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            var s = gateway.engine().stats();
            if (s.runningSequences() == 1 && s.waitingSequences() >= n) return;
            Thread.sleep(2);
        }
        throw new AssertionError("requests never queued: " + gateway.engine().stats());
    }
}
