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

/** N closed-loop streams, each sending requests one after the other; records TTFT, inter-token gaps and tokens. */
final class StreamLoad {
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

    private final int streams;
    private final int requestsPerStream;
    private final int maxTokens;
    private final String prompt;

    StreamLoad(int streams, int requestsPerStream, int maxTokens, String prompt) {
        this.streams = streams;
        this.requestsPerStream = requestsPerStream;
        this.maxTokens = maxTokens;
        this.prompt = prompt;
    }

    private interface OneRequest {
        /** Runs one request to the end; returns its generated token count. */
        long run(List<Long> ttft, List<Long> itl) throws Exception;
    }

    Result inProcess(Engine engine, int requests) throws Exception {
        SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).temperature(0).ignoreEos(true).build();
        return drive(requests, (ttft, itl) -> {
            long start = System.nanoTime();
            long[] last = {0};
            GenerationRequest request = new GenerationRequest("bench", "", Prompt.chat(List.of(ChatMessage.user(prompt))), params, 1, 1.0);
            var result = engine.submit(request, new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    long now = System.nanoTime();
                    if (last[0] == 0) ttft.add(now - start);
                    else itl.add(now - last[0]);
                    last[0] = now;
                }
            }).result().join();
            return result.usage().completionTokens();
        });
    }

    Result overHttp(String baseUrl, int requests) throws Exception {
        // HTTP/1.1 like the OpenAI SDKs (the JDK client would otherwise upgrade to h2c and multiplex every stream on one connection)
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        String model = Json.MAPPER.readTree(client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("data").get(0).get("id").asText();
        String finalBody = Json.write(Json.object().put("model", model).put("stream", true).put("max_tokens", maxTokens)
                .put("temperature", 0).put("ignore_eos", true)
                .<ObjectNode>set("stream_options", Json.object().put("include_usage", true))
                .set("messages", Json.array().add(Json.object().put("role", "user").put("content", prompt))));
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(finalBody)).build();
        return drive(requests, (ttft, itl) -> {
            long start = System.nanoTime();
            long last = 0;
            long tokens = 0;
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) throw new IllegalStateException("HTTP " + response.statusCode());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                    if (line.contains("\"usage\":{")) { // parse only what is needed: the client shares the cores
                        tokens = Json.MAPPER.readTree(line.substring(6)).get("usage").get("completion_tokens").asLong();
                        continue;
                    }
                    if (!line.contains("\"content\":\"") || line.contains("\"content\":\"\"")) continue;
                    long now = System.nanoTime();
                    if (last == 0) ttft.add(now - start);
                    else itl.add(now - last);
                    last = now;
                }
            }
            return tokens;
        });
    }

    private Result drive(int requests, OneRequest one) throws Exception {
        List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
        List<Long> itl = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                futures.add(pool.submit(() -> {
                    for (int r = 0; r < requests; r++) tokens.addAndGet(one.run(ttft, itl));
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        return new Result(tokens.get(), System.nanoTime() - start, List.copyOf(ttft), List.copyOf(itl));
    }

    static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) return Double.NaN;
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }
}
