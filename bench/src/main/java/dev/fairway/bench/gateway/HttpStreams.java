package dev.fairway.bench.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Streams that send the bench's chat request to the gateway over HTTP and time its SSE tokens. */
final class HttpStreams implements AutoCloseable {
    /** Which HTTP client drives the gateway. */
    enum Client {
        LOOPBACK,
        JDK
    }

    private final Client client;
    private final int maxTokens;
    private final String prompt;
    private HttpClient jdk;

    HttpStreams(Client client, int maxTokens, String prompt) {
        this.client = client;
        this.maxTokens = maxTokens;
        this.prompt = prompt;
    }

    Client client() {
        return client;
    }

    /** The chat request body, naming the model the gateway lists. */
    String requestBody(String baseUrl) throws Exception {
        StringBuilder models = new StringBuilder();
        try (LoopbackClient c = new LoopbackClient(URI.create(baseUrl))) {
            int status = c.exchange("GET", "/v1/models", null, models::append);
            if (status != 200) throw new IllegalStateException("GET /v1/models: HTTP " + status);
        }
        String model = Json.MAPPER
                .readTree(models.toString())
                .get("data")
                .get(0)
                .get("id")
                .asText();
        return Json.write(Json.object()
                .put("model", model)
                .put("stream", true)
                .put("max_tokens", maxTokens)
                .put("temperature", 0)
                .put("ignore_eos", true)
                .<ObjectNode>set("stream_options", Json.object().put("include_usage", true))
                .set(
                        "messages",
                        Json.array().add(Json.object().put("role", "user").put("content", prompt))));
    }

    /** One stream: its own connection (loopback client) or the shared JDK client's pool. */
    StreamLoad.Stream open(String baseUrl, String body) throws Exception {
        return client == Client.JDK ? jdk(baseUrl, body) : loopback(baseUrl, body);
    }

    private StreamLoad.Stream loopback(String baseUrl, String body) throws Exception {
        LoopbackClient connection = new LoopbackClient(URI.create(baseUrl));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new StreamLoad.Stream() {
            @Override
            public long run(List<Long> ttft, List<Long> itl) throws Exception {
                SseTokens sse = new SseTokens(new StreamLoad.Timeline(ttft, itl));
                int status = connection.exchange("POST", "/v1/chat/completions", bytes, sse::line);
                if (status != 200) throw new IllegalStateException("HTTP " + status);
                return sse.completionTokens;
            }

            @Override
            public void close() throws Exception {
                connection.close();
            }
        };
    }

    private synchronized HttpClient jdkClient() {
        // HTTP/1.1 like the OpenAI SDKs (the JDK client would otherwise upgrade to h2c and multiplex every stream on
        // one
        // connection); one client with its connection pool for all streams
        if (jdk == null)
            jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return jdk;
    }

    private StreamLoad.Stream jdk(String baseUrl, String body) {
        HttpClient http = jdkClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return (ttft, itl) -> {
            SseTokens sse = new SseTokens(new StreamLoad.Timeline(ttft, itl));
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) throw new IllegalStateException("HTTP " + response.statusCode());
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) sse.line(line);
            }
            return sse.completionTokens;
        };
    }

    @Override
    public synchronized void close() {
        if (jdk != null) jdk.close();
    }

    /** Reads only what it needs from each SSE line: the client shares the cores with the server. */
    private static final class SseTokens {
        private final StreamLoad.Timeline timeline;
        long completionTokens;

        SseTokens(StreamLoad.Timeline timeline) {
            this.timeline = timeline;
        }

        void line(String line) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) return;
            if (line.contains("\"usage\":{")) {
                try {
                    completionTokens = Json.MAPPER
                            .readTree(line.substring(6))
                            .get("usage")
                            .get("completion_tokens")
                            .asLong();
                } catch (Exception e) {
                    throw new IllegalStateException("bad usage chunk: " + line, e);
                }
                return;
            }
            if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) timeline.token();
        }
    }
}
