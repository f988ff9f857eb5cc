package dev.fairway.gateway.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.Json;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N closed-loop streams, each sending requests one after the other; records TTFT, inter-token gaps and tokens.
 * Both paths time the same thing: request start to the first token with text, then gaps between tokens with text.
 */
final class StreamLoad implements AutoCloseable {
    record Result(long tokens, long wallNanos, List<Long> ttftNanos, List<Long> itlNanos) {
        static final Result EMPTY = new Result(0, 0, List.of(), List.of());

        Result plus(Result o) {
            List<Long> ttft = new ArrayList<>(ttftNanos);
            ttft.addAll(o.ttftNanos);
            List<Long> itl = new ArrayList<>(itlNanos);
            itl.addAll(o.itlNanos);
            return new Result(tokens + o.tokens, wallNanos + o.wallNanos, ttft, itl);
        }

        double tokensPerSecond() { return tokens * 1e9 / wallNanos; }
        double ttftP50Ms() { return percentile(ttftNanos, 0.50) / 1e6; }
        double ttftP95Ms() { return percentile(ttftNanos, 0.95) / 1e6; }
        double itlP50Ms() { return percentile(itlNanos, 0.50) / 1e6; }

        ObjectNode toJson() {
            return Json.object().put("output_tokens_per_s", Math.round(tokensPerSecond() * 10) / 10.0)
                    .put("ttft_p50_ms", Math.round(ttftP50Ms() * 100) / 100.0)
                    .put("ttft_p95_ms", Math.round(ttftP95Ms() * 100) / 100.0)
                    .put("itl_p50_ms", Math.round(itlP50Ms() * 1000) / 1000.0)
                    .put("tokens", tokens).put("wall_s", Math.round(wallNanos / 1e7) / 100.0);
        }
    }

    /** Which HTTP client drives the gateway. */
    enum Client { LOOPBACK, JDK }

    /** One stream's sequential requests; an HTTP stream keeps its connection. */
    interface Stream extends AutoCloseable {
        /** Runs one request to the end; returns its generated token count. */
        long run(List<Long> ttft, List<Long> itl) throws Exception;

        @Override
        default void close() throws Exception {}
    }

    private interface StreamFactory {
        Stream open() throws Exception;
    }

    private final int streams;
    private final int maxTokens;
    private final String prompt;
    private final Client client;
    /** One platform thread per stream, kept for every round (their CPU time stays visible to CpuByThread). */
    private final ExecutorService pool;
    private HttpClient jdk;

    StreamLoad(int streams, int maxTokens, String prompt, Client client) {
        this.streams = streams;
        this.maxTokens = maxTokens;
        this.prompt = prompt;
        this.client = client;
        this.pool = Executors.newFixedThreadPool(streams, Thread.ofPlatform().name("bench-stream-", 0).daemon().factory());
    }

    Result inProcess(Engine engine, int requests) throws Exception {
        return drive(requests, () -> direct(engine));
    }

    Result overHttp(String baseUrl, int requests) throws Exception {
        String body = requestBody(baseUrl);
        return drive(requests, () -> http(baseUrl, body));
    }

    Stream direct(Engine engine) {
        SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).temperature(0).ignoreEos(true).build();
        return (ttft, itl) -> {
            Timeline t = new Timeline(ttft, itl);
            GenerationRequest request = new GenerationRequest("bench", "", Prompt.chat(List.of(ChatMessage.user(prompt))), params, 1, 1.0);
            return engine.submit(request, new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    if (!event.textDelta().isEmpty()) t.token();
                }
            }).result().join().usage().completionTokens();
        };
    }

    /** The chat request body, naming the model the gateway lists. */
    String requestBody(String baseUrl) throws Exception {
        StringBuilder models = new StringBuilder();
        try (LoopbackClient c = new LoopbackClient(URI.create(baseUrl))) {
            int status = c.exchange("GET", "/v1/models", null, models::append);
            if (status != 200) throw new IllegalStateException("GET /v1/models: HTTP " + status);
        }
        String model = Json.MAPPER.readTree(models.toString()).get("data").get(0).get("id").asText();
        return Json.write(Json.object().put("model", model).put("stream", true).put("max_tokens", maxTokens)
                .put("temperature", 0).put("ignore_eos", true)
                .<ObjectNode>set("stream_options", Json.object().put("include_usage", true))
                .set("messages", Json.array().add(Json.object().put("role", "user").put("content", prompt))));
    }

    Stream http(String baseUrl, String body) throws Exception {
        return client == Client.JDK ? jdkHttp(baseUrl, body) : loopbackHttp(baseUrl, body);
    }

    private Stream loopbackHttp(String baseUrl, String body) throws Exception {
        LoopbackClient connection = new LoopbackClient(URI.create(baseUrl));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new Stream() {
            @Override
            public long run(List<Long> ttft, List<Long> itl) throws Exception {
                SseTokens sse = new SseTokens(new Timeline(ttft, itl));
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
        // HTTP/1.1 like the OpenAI SDKs (the JDK client would otherwise upgrade to h2c and multiplex every stream on one
        // connection); one client with its connection pool for all streams
        if (jdk == null) jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return jdk;
    }

    private Stream jdkHttp(String baseUrl, String body) {
        HttpClient jdk = jdkClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return (ttft, itl) -> {
            SseTokens sse = new SseTokens(new Timeline(ttft, itl));
            HttpResponse<InputStream> response = jdk.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) throw new IllegalStateException("HTTP " + response.statusCode());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) sse.line(line);
            }
            return sse.completionTokens;
        };
    }

    /** Request start, then the time of each token that carried text. */
    private static final class Timeline {
        private final List<Long> ttft;
        private final List<Long> itl;
        private final long start = System.nanoTime();
        private long last;

        Timeline(List<Long> ttft, List<Long> itl) {
            this.ttft = ttft;
            this.itl = itl;
        }

        void token() {
            long now = System.nanoTime();
            if (last == 0) ttft.add(now - start);
            else itl.add(now - last);
            last = now;
        }
    }

    /** Reads only what it needs from each SSE line: the client shares the cores with the server. */
    private static final class SseTokens {
        private final Timeline timeline;
        long completionTokens;

        SseTokens(Timeline timeline) {
            this.timeline = timeline;
        }

        void line(String line) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) return;
            if (line.contains("\"usage\":{")) {
                try {
                    completionTokens = Json.MAPPER.readTree(line.substring(6)).get("usage").get("completion_tokens").asLong();
                } catch (Exception e) {
                    throw new IllegalStateException("bad usage chunk: " + line, e);
                }
                return;
            }
            if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) timeline.token();
        }
    }

    /** Streams on platform threads: a blocking socket read then wakes the reader directly, no carrier hand-off. */
    private Result drive(int requests, StreamFactory factory) throws Exception {
        List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
        List<Long> itl = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            futures.add(pool.submit(() -> {
                try (Stream stream = factory.open()) {
                    for (int r = 0; r < requests; r++) tokens.addAndGet(stream.run(ttft, itl));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) f.get();
        return new Result(tokens.get(), System.nanoTime() - start, List.copyOf(ttft), List.copyOf(itl));
    }

    @Override
    public void close() {
        pool.shutdownNow();
        if (jdk != null) jdk.close();
    }

    static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) return Double.NaN;
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }
}
