package dev.fairway.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.RawSocket;
import dev.fairway.gateway.TestGateway;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Slow-loris and idle sockets are closed (--header-timeout 1, --idle-timeout 4 here), but a request being served
 * is never cut off, however long it queues or streams. Times are taken where the server's deadline cannot have
 * started yet (before connecting, before sending), so a closing is never early; the slack above the deadline is wide
 * because a loaded machine may run the timer, or read the closed socket, late.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientsTest {
    private static final int REQUEST_SECONDS = 1;
    private static final int IDLE_SECONDS = 4;
    private static final long SLACK_MILLIS = 10_000;
    private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    private Gateway gateway;

    @BeforeAll
    void start() {
        // one running sequence: a request behind another provably waits in the queue, silent, for a while
        GatewayConfig config = TestGateway.config(TestGateway.tempDb(), b -> b.maxRunningSequences(1));
        gateway = TestGateway.start(TestGateway.withTimeouts(config, REQUEST_SECONDS, IDLE_SECONDS));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void requestTrickledOneByteASecondIsClosedWithinTheTimeout() {
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.trickle(HEALTH, 1000);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long closedAfter = s.millisUntilClosed(s.connectingNanos, REQUEST_SECONDS * 1000L + SLACK_MILLIS, got);
            assertThat(closedAfter)
                    .as("closed after ms")
                    .isBetween(REQUEST_SECONDS * 1000L - 100, REQUEST_SECONDS * 1000L + SLACK_MILLIS);
            assertThat(got.size()).isZero();
        }
    }

    @Test
    void bodyTrickledAfterPromptHeadersIsClosedWithinTheTimeout() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n");
            s.trickle(body, 300);
            long closedAfter = s.millisUntilClosed(s.connectingNanos, REQUEST_SECONDS * 1000L + SLACK_MILLIS, null);
            assertThat(closedAfter)
                    .as("closed after ms")
                    .isBetween(REQUEST_SECONDS * 1000L - 100, REQUEST_SECONDS * 1000L + SLACK_MILLIS);
        }
    }

    @Test
    void silentConnectionIsClosedWithinTheTimeout() {
        try (RawSocket s = new RawSocket(gateway.port())) {
            long closedAfter = s.millisUntilClosed(s.connectingNanos, REQUEST_SECONDS * 1000L + SLACK_MILLIS, null);
            assertThat(closedAfter)
                    .as("closed after ms")
                    .isBetween(REQUEST_SECONDS * 1000L - 100, REQUEST_SECONDS * 1000L + SLACK_MILLIS);
        }
    }

    @Test
    void keptAliveConnectionServesAgainThenIsClosedWhenIdle() throws Exception {
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send(HEALTH);
            assertThat(s.readResponse(30_000).status()).isEqualTo(200);
            Thread.sleep(IDLE_SECONDS * 1000L / 4); // idle, but well under the idle timeout: still open
            long sent = System.nanoTime(); // the idle deadline starts when the answer is out, after this
            s.send(HEALTH);
            assertThat(s.readResponse(30_000).status()).isEqualTo(200);
            long closedAfter = s.millisUntilClosed(sent, IDLE_SECONDS * 1000L + SLACK_MILLIS, null);
            assertThat(closedAfter)
                    .as("closed after ms")
                    .isBetween(IDLE_SECONDS * 1000L - 100, IDLE_SECONDS * 1000L + SLACK_MILLIS);
        }
    }

    @Test
    void queuedAndStreamingRequestsOutliveBothTimeouts() {
        Http http = new Http(gateway.baseUrl());
        String longStream =
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":true,\"ignore_eos\":true,"
                        + "\"max_tokens\":480,\"temperature\":0.8,\"seed\":%d}";
        // each waits in the queue for the ones before it (one runs at a time), then streams: the last is silent
        // longest;
        // a fast machine gets more of them, until the wait outlasts both timeouts
        for (int count = 8; ; count *= 2) {
            long start = System.nanoTime();
            List<CompletableFuture<List<String>>> streams = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String body = longStream.formatted(i);
                streams.add(CompletableFuture.supplyAsync(() -> http.stream("/v1/chat/completions", body)));
            }
            for (CompletableFuture<List<String>> stream : streams) {
                List<String> events = stream.join();
                assertThat(events).last().isEqualTo("[DONE]");
                assertThat(events).hasSizeGreaterThan(480);
            }
            long tookMillis = (System.nanoTime() - start) / 1_000_000L;
            System.out.println(count + " queued 480-token streams took " + tookMillis + " ms");
            if (tookMillis > (REQUEST_SECONDS + IDLE_SECONDS) * 1250L)
                return; // the last one waited ~(count-1)/count of it
            assertThat(count)
                    .as("the streams must outlast the timeouts for this test to mean anything")
                    .isLessThan(64);
        }
    }
}
