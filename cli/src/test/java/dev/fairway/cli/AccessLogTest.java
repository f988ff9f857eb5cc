package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `fairway serve` writes one access log line per request, as text or (--log-format json) as JSON objects. */
class AccessLogTest {
    private static final int CUT_MAX_TOKENS = 480;

    @Test
    void jsonFormatPrintsOneObjectPerLineAndAnAccessLineForEveryRequest() throws Exception {
        Path db = TestGateway.tempDb();
        String key = addUser(db, "ann");
        try (ServerProcess server = ServerProcess.start(db.toString(), Map.of(), false, "--log-format", "json")) {
            Http http = new Http(server.baseUrl(), key);
            int seen = 0;

            Http.Response ok = http.post("/v1/chat/completions", chat(false, 8, "\"temperature\":0"));
            assertThat(ok.status()).isEqualTo(200);
            String model = ok.json().get("model").asText();
            JsonNode line = accessLine(server, ++seen);
            assertThat(line.get("method").asText()).isEqualTo("POST");
            assertThat(line.get("route").asText()).isEqualTo("/v1/chat/completions");
            assertThat(line.get("status").asInt()).isEqualTo(200);
            assertThat(line.get("user").asText()).isEqualTo("ann");
            assertThat(line.get("model").asText()).isEqualTo(model);
            JsonNode usage = ok.json().get("usage");
            assertThat(line.get("prompt_tokens").asInt())
                    .isEqualTo(usage.get("prompt_tokens").asInt());
            assertThat(line.get("completion_tokens").asInt())
                    .isEqualTo(usage.get("completion_tokens").asInt());
            assertThat(line.get("duration_ms").isIntegralNumber()).isTrue();
            assertThat(line.get("level").asText()).isEqualTo("INFO");
            assertThat(line.has("client_closed")).isFalse();

            Http.Response bad = http.post("/v1/chat/completions", chat(false, 8, "\"temperature\":7"));
            assertThat(bad.status()).isEqualTo(400);
            line = accessLine(server, ++seen);
            assertThat(line.get("status").asInt()).isEqualTo(400);
            assertThat(line.get("user").asText()).isEqualTo("ann");
            assertThat(line.has("completion_tokens")).isFalse();

            Http.Response noKey = new Http(server.baseUrl()).post("/v1/chat/completions", chat(false, 8, ""));
            assertThat(noKey.status()).isEqualTo(401);
            line = accessLine(server, ++seen);
            assertThat(line.get("status").asInt()).isEqualTo(401);
            assertThat(line.has("user")).isFalse();

            List<String> events = http.stream(
                    "/v1/chat/completions",
                    chat(true, 12, "\"ignore_eos\":true,\"stream_options\":{\"include_usage\":true}"));
            JsonNode streamUsage = Http.parse(events.get(events.size() - 2)).get("usage");
            line = accessLine(server, ++seen);
            assertThat(line.get("status").asInt()).isEqualTo(200);
            assertThat(line.get("completion_tokens").asInt())
                    .isEqualTo(streamUsage.get("completion_tokens").asInt());
            assertThat(line.get("finish_reason").asText()).isEqualTo("length");

            // the client hangs up at the first event: the line comes when the engine reports the cancelled stream
            hangUpAtFirstEvent(
                    server.baseUrl(),
                    key,
                    chat(true, CUT_MAX_TOKENS, "\"ignore_eos\":true,\"temperature\":0.8,\"seed\":1"));
            line = accessLine(server, ++seen);
            assertThat(line.get("client_closed").asBoolean()).isTrue();
            assertThat(line.get("user").asText()).isEqualTo("ann");
            assertThat(line.get("finish_reason").asText()).isEqualTo("cancelled");
            assertThat(line.get("completion_tokens").asInt()).isLessThan(CUT_MAX_TOKENS);

            assertThat(http.get("/health").status()).isEqualTo(200);
            line = accessLine(server, ++seen);
            assertThat(line.get("route").asText()).isEqualTo("/health");
            assertThat(line.has("user")).isFalse();

            // standard output is JSON only: the banner and "listening on" are log lines too
            List<String> stdout = server.lines();
            assertThat(stdout).isNotEmpty();
            for (String l : stdout) {
                JsonNode json = Http.parse(l);
                assertThat(json.get("time").asText()).endsWith("Z");
                assertThat(json.hasNonNull("level") && json.hasNonNull("logger") && json.hasNonNull("message"))
                        .as(l)
                        .isTrue();
            }
            assertThat(stdout)
                    .anySatisfy(l -> assertThat(Http.parse(l).get("message").asText())
                            .startsWith("Fairway listening on http://"));
        }
    }

    @Test
    void textFormatWritesTheFieldsOnOneLine() throws Exception {
        try (ServerProcess server = ServerProcess.start(TestGateway.tempDb())) {
            Http http = new Http(server.baseUrl());
            Http.Response ok = http.post("/v1/chat/completions", chat(false, 5, "\"ignore_eos\":true"));
            assertThat(ok.status()).isEqualTo(200);
            String line =
                    server.awaitLines(l -> l.contains(" fairway.access - "), 1).get(0);
            Matcher m = Pattern.compile(" INFO fairway\\.access - POST /v1/chat/completions 200 user=local model=(\\S+)"
                            + " prompt_tokens=(\\d+) completion_tokens=(\\d+) finish_reason=length duration_ms=\\d+$")
                    .matcher(line);
            assertThat(m.find()).as(line).isTrue();
            assertThat(m.group(1)).isEqualTo(ok.json().get("model").asText());
            assertThat(Integer.parseInt(m.group(3)))
                    .isEqualTo(ok.json().get("usage").get("completion_tokens").asInt());
        }
    }

    private static String chat(boolean stream, int maxTokens, String extra) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":" + stream
                + ",\"max_tokens\":" + maxTokens + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The {@code n}-th access log line (1-based), waiting until the server has written it. */
    private static JsonNode accessLine(ServerProcess server, int n) throws InterruptedException {
        List<String> lines = server.awaitLines(l -> l.contains("\"logger\":\"fairway.access\""), n);
        assertThat(lines).hasSize(n); // no request logged twice
        return Http.parse(lines.get(n - 1));
    }

    /** A raw HTTP/1.1 client that closes its connection as soon as the first SSE event arrives. */
    private static void hangUpAtFirstEvent(String baseUrl, String key, String body) throws IOException {
        URI uri = URI.create(baseUrl);
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(60));
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nAuthorization: Bearer "
                            + key + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                // status line and headers
            }
            assertThat(line).as("an SSE event before the end of the stream").isNotNull();
        }
    }

    /** `fairway users add NAME` in a process of its own; returns the key it printed. */
    private static String addUser(Path db, String name) throws Exception {
        Process p = new ProcessBuilder(ServerProcess.cli("users", "add", name, "--db", db.toString()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().filter(l -> l.startsWith("fw-")).findFirst().orElseThrow();
    }
}
