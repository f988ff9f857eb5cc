package dev.fairway.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.ComputeGate;
import dev.fairway.engine.Engine;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A streamed response cut short is stored, incomplete, with the text produced so far: when the client closes its
 * socket mid-stream, and when the server shuts down under it. The test holds the server's compute gate (every
 * forward pass takes it) a few tokens into a generation of hundreds, so the generation is still running when the cut
 * comes, whatever the machine's speed.
 */
class ResponsesCutTest {
    private static final int MAX = 400;
    private static final String ASK = "{\"input\":\"Once upon a time\",\"temperature\":0,\"max_output_tokens\":" + MAX;
    private static final long WAIT_MS = 60_000;

    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private Gateway start(java.nio.file.Path db) {
        GatewayConfig config = TestGateway.config(db);
        return TestGateway.start(config);
    }

    /**
     * Takes the gate over and over (a pass without users goes before any engine's, which gets one pass in nine), and
     * keeps it from the first pass that finds the engine has generated a token, until released. The generation then
     * stands still a few tokens in, out of hundreds.
     */
    private static final class Hold {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Hold(ComputeGate gate, Engine engine) throws InterruptedException {
            // the engine's figures are a snapshot taken after each step: wait for the one after the last request's
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while ((engine.stats().runningSequences() > 0 || engine.stats().waitingSequences() > 0)
                    && System.currentTimeMillis() < deadline) Thread.sleep(5);
            long before = engine.stats().generatedTokens();
            Thread.ofPlatform().daemon().start(() -> {
                boolean holding = false;
                while (!holding) {
                    holding = gate.run(() -> {
                        if (engine.stats().generatedTokens() == before) return false;
                        held.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return true;
                    });
                }
            });
        }

        void release() {
            release.countDown();
        }
    }

    /** A stream on a raw socket: the events' data, read one by one. */
    private static final class Stream implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;

        Stream(int port, String body) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) WAIT_MS);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The next event's data (chunk-size lines and blank lines skipped). */
        JsonNode next() throws Exception {
            for (String line; (line = in.readLine()) != null; )
                if (line.startsWith("data: ")) return Http.parse(line.substring(6));
            throw new AssertionError("the stream ended");
        }

        JsonNode until(String type) throws Exception {
            for (JsonNode e = next(); ; e = next()) if (e.get("type").asText().equals(type)) return e;
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private static JsonNode awaitStored(Http http, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        Http.Response r = http.get("/v1/responses/" + id);
        while (r.status() == 404 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            r = http.get("/v1/responses/" + id);
        }
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private String full(Http http) {
        JsonNode r = http.post("/v1/responses", ASK + "}").json();
        return r.get("output_text").asText();
    }

    @Test
    void aClientThatHangsUpMidStreamLeavesAnIncompleteResponseWithItsText() throws Exception {
        gateway = start(TestGateway.tempDb());
        Http http = new Http(gateway.baseUrl());
        String whole = full(http);
        ComputeGate gate = gateway.models().gate();

        Hold hold = new Hold(gate, gateway.engine());
        String id;
        StringBuilder received = new StringBuilder();
        try (Stream stream = new Stream(gateway.port(), ASK + ",\"stream\":true}")) {
            id = stream.until("response.created").at("/response/id").asText();
            stream.until("response.content_part.added"); // submitted to the engine
            // a token or a few generated, then nothing more
            assertThat(hold.held.await(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            received.append(
                    stream.until("response.output_text.delta").get("delta").asText());
        } // hung up while the engine waits for the gate
        var entry = gateway.models().defaultEntry();
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (entry.pins() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(5);
        assertThat(entry.pins())
                .as("the request's hold on its model, released on hang-up")
                .isZero();
        // one event loop serves HTTP: once this answers, the hang-up's handlers (which cancel the generation) have run
        http.get("/health");
        hold.release();

        JsonNode stored = awaitStored(http, id);
        assertThat(stored.get("status").asText()).isEqualTo("incomplete");
        assertThat(stored.at("/incomplete_details/reason").asText()).isEqualTo("client_disconnected");
        String text = stored.get("output_text").asText();
        assertThat(text).startsWith(received.toString());
        assertThat(whole).startsWith(text);
        assertThat(text.length()).isLessThan(whole.length());
        assertThat(stored.at("/output/0/status").asText()).isEqualTo("incomplete");
        assertThat(stored.at("/usage/output_tokens").asInt()).isPositive().isLessThan(MAX);
    }

    @Test
    void aShutdownMidStreamEndsItIncompleteAndStoresIt() throws Exception {
        java.nio.file.Path db = TestGateway.tempDb();
        gateway = start(db);
        Http http = new Http(gateway.baseUrl());
        String whole = full(http);
        ComputeGate gate = gateway.models().gate();

        Hold hold = new Hold(gate, gateway.engine());
        String id;
        JsonNode last;
        try (Stream stream = new Stream(gateway.port(), ASK + ",\"stream\":true}")) {
            id = stream.until("response.created").at("/response/id").asText();
            stream.until("response.content_part.added");
            // a token or a few generated, then nothing more
            assertThat(hold.held.await(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            stream.until("response.output_text.delta");
            Gateway stopping = gateway;
            Thread stopper = Thread.ofPlatform().start(() -> stopping.stop(Duration.ZERO));
            // the drain cuts the running generations, then sleeps between checks until they end: once the stopping
            // thread sleeps, the cut is in the engine's inbox
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (stopper.getState() != Thread.State.TIMED_WAITING && System.currentTimeMillis() < deadline)
                Thread.sleep(1);
            hold.release();
            last = stream.until("response.incomplete");
            stopper.join(WAIT_MS);
        }
        assertThat(last.at("/response/incomplete_details/reason").asText()).isEqualTo("server_shutting_down");
        String streamed = last.at("/response/output_text").asText();
        assertThat(whole).startsWith(streamed);

        gateway = start(db); // the same database, after a restart
        JsonNode stored = awaitStored(new Http(gateway.baseUrl()), id);
        assertThat(stored.get("status").asText()).isEqualTo("incomplete");
        assertThat(stored.at("/incomplete_details/reason").asText()).isEqualTo("server_shutting_down");
        assertThat(stored.get("output_text").asText()).isEqualTo(streamed).isNotEmpty();
    }
}
