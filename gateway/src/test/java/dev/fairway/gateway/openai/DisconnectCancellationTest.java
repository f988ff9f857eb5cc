package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.EngineStats;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client that hangs up stops its generation: the engine frees the sequence and its KV blocks. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisconnectCancellationTest {
    private static final int MAX_TOKENS = 480;
    private Gateway gateway;

    @BeforeAll
    void start() {
        // one running sequence at a time, so a second request provably waits for its first token
        gateway = TestGateway.start(TestGateway.config(TestGateway.tempDb(), b -> b.maxRunningSequences(1)));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private String longStream(String content) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + content
                + "\"}],\"stream\":true,\"ignore_eos\":true," + "\"max_tokens\":" + MAX_TOKENS
                + ",\"temperature\":0.8,\"seed\":1}";
    }

    /** Opens the stream and closes the TCP connection on the first body bytes (or right after sending when early). */
    private void hangUp(Vertx vertx, String path, String body, boolean beforeResponse) throws Exception {
        HttpClient client = vertx.createHttpClient();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        client.request(HttpMethod.POST, gateway.port(), "127.0.0.1", path)
                .onSuccess(req -> {
                    req.putHeader("Content-Type", "application/json");
                    if (beforeResponse) {
                        req.end(body).onComplete(v -> req.connection().close().onComplete(x -> closed.complete(null)));
                        return;
                    }
                    req.send(body)
                            .onSuccess(resp -> resp.handler(chunk -> {
                                if (!closed.isDone()) req.connection().close().onComplete(x -> closed.complete(null));
                            }))
                            .onFailure(closed::completeExceptionally);
                })
                .onFailure(closed::completeExceptionally);
        closed.get(30, TimeUnit.SECONDS);
        client.close();
    }

    /** Idle and quiet: nothing running or queued, KV back to its level, and no token generated for 300 ms. */
    private EngineStats awaitIdle(int kvUsedBefore) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        EngineStats s = gateway.engine().stats();
        long lastGenerated = -1;
        int quiet = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = gateway.engine().stats();
            boolean idle = s.runningSequences() == 0 && s.waitingSequences() == 0 && s.kvBlocksUsed() == kvUsedBefore;
            quiet = idle && s.generatedTokens() == lastGenerated ? quiet + 1 : 0;
            lastGenerated = s.generatedTokens();
            if (quiet == 3) return s;
        }
        throw new AssertionError("engine not idle after the client left: " + s);
    }

    /**
     * Hangs up on the first body bytes with the engine braked, and keeps it braked until the sequence is gone: a
     * loaded machine could otherwise finish all the tokens before the server hears the hang-up.
     */
    private void hangUpMidStream(Vertx vertx, String path, String body) throws Exception {
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            hangUp(vertx, path, body, false);
            awaitStats(s -> s.runningSequences() == 0 && s.waitingSequences() == 0);
        }
    }

    @Test
    void hangingUpMidStreamCancelsDecoding(Vertx vertx) throws Exception {
        EngineStats before = gateway.engine().stats();
        hangUpMidStream(vertx, "/v1/chat/completions", longStream("Once upon a time"));
        EngineStats after = awaitIdle(before.kvBlocksUsed());
        assertThat(after.generatedTokens() - before.generatedTokens()).isLessThan(MAX_TOKENS);
    }

    /**
     * Before its first token (queued or prefilling) a request is cancelled too. With one running sequence allowed,
     * request B waits behind A; B's client hangs up; B must never generate. (stories260K prefills in microseconds,
     * so "not yet started" is observed in the queue, which is the same cancel path as prefill.)
     */
    @Test
    void hangingUpBeforeTheFirstTokenCancelsTheRequest(Vertx vertx) throws Exception {
        EngineStats before = gateway.engine().stats();
        // braked, A runs until B has been seen waiting and hung up, however slow the machine
        java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> a;
        HttpClient client = vertx.createHttpClient();
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            a = java.net.http.HttpClient.newHttpClient()
                    .sendAsync(
                            java.net.http.HttpRequest.newBuilder(
                                            java.net.URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                                    .header("Content-Type", "application/json")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                            longStream("Once upon a time")))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            awaitStats(s -> s.runningSequences() == 1);
            HttpClientRequest b = client.request(HttpMethod.POST, gateway.port(), "127.0.0.1", "/v1/chat/completions")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            b.putHeader("Content-Type", "application/json")
                    .end(longStream("One day").replace("\"max_tokens\":" + MAX_TOKENS, "\"max_tokens\":150"));
            awaitStats(s -> s.waitingSequences() == 1);
            b.connection().close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            awaitStats(s -> s.waitingSequences() == 0);
            assertThat(a).isNotDone();
        }
        assertThat(a.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        EngineStats after = awaitIdle(before.kvBlocksUsed());
        assertThat(after.generatedTokens() - before.generatedTokens()).isEqualTo(MAX_TOKENS); // A's tokens only
        client.close();
    }

    private void awaitStats(java.util.function.Predicate<EngineStats> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (condition.test(gateway.engine().stats())) return;
            Thread.sleep(2);
        }
        throw new AssertionError(
                "engine never reached the expected state: " + gateway.engine().stats());
    }

    @Test
    void conversationReplyCutByHangUpIsStoredAsPartial(Vertx vertx) throws Exception {
        Http http = new Http(gateway.baseUrl());
        String id = http.post("/v1/conversations", "{\"title\":\"cut\"}")
                .json()
                .get("id")
                .asText();
        EngineStats before = gateway.engine().stats();
        hangUpMidStream(
                vertx,
                "/v1/conversations/" + id + "/messages",
                "{\"content\":\"Once upon a time\",\"stream\":true,\"ignore_eos\":true,\"max_tokens\":" + MAX_TOKENS
                        + "}");
        awaitIdle(before.kvBlocksUsed());
        JsonNode messages = null;
        for (int i = 0; i < 3000; i++) { // the partial reply is written right after the engine reports the cancel
            messages = http.get("/v1/conversations/" + id).json().get("messages");
            if (messages.size() == 2) break;
            Thread.sleep(20);
        }
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Once upon a time");
        assertThat(messages.get(1).get("status").asText()).isEqualTo("partial");
    }
}
