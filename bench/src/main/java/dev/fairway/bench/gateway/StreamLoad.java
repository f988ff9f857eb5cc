package dev.fairway.bench.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.Json;
import dev.fairway.testkit.Stats;
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

        double tokensPerSecond() {
            return tokens * 1e9 / wallNanos;
        }

        double ttftP50Ms() {
            return Stats.percentile(ttftNanos, 50) / 1e6;
        }

        double ttftP95Ms() {
            return Stats.percentile(ttftNanos, 95) / 1e6;
        }

        double itlP50Ms() {
            return Stats.percentile(itlNanos, 50) / 1e6;
        }

        ObjectNode toJson() {
            return Json.object()
                    .put("output_tokens_per_s", Math.round(tokensPerSecond() * 10) / 10.0)
                    .put("ttft_p50_ms", Math.round(ttftP50Ms() * 100) / 100.0)
                    .put("ttft_p95_ms", Math.round(ttftP95Ms() * 100) / 100.0)
                    .put("itl_p50_ms", Math.round(itlP50Ms() * 1000) / 1000.0)
                    .put("tokens", tokens)
                    .put("wall_s", Math.round(wallNanos / 1e7) / 100.0);
        }
    }

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
    private final HttpStreams http;
    /** One platform thread per stream, kept for every round (their CPU time stays visible to CpuByThread). */
    private final ExecutorService pool;

    StreamLoad(int streams, int maxTokens, String prompt, HttpStreams.Client client) {
        this.streams = streams;
        this.maxTokens = maxTokens;
        this.prompt = prompt;
        this.http = new HttpStreams(client, maxTokens, prompt);
        this.pool = Executors.newFixedThreadPool(
                streams, Thread.ofPlatform().name("bench-stream-", 0).daemon().factory());
    }

    Result inProcess(Engine engine, int requests) throws Exception {
        return drive(requests, () -> direct(engine));
    }

    Result overHttp(String baseUrl, int requests) throws Exception {
        String body = http.requestBody(baseUrl);
        return drive(requests, () -> http.open(baseUrl, body));
    }

    Stream direct(Engine engine) {
        SamplingParams params = SamplingParams.builder()
                .maxTokens(maxTokens)
                .temperature(0)
                .ignoreEos(true)
                .build();
        return (ttft, itl) -> {
            Timeline t = new Timeline(ttft, itl);
            GenerationRequest request =
                    new GenerationRequest("bench", "", Prompt.chat(List.of(ChatMessage.user(prompt))), params, 1, 1.0);
            return engine.submit(request, new GenerationListener() {
                        @Override
                        public void onToken(TokenEvent event) {
                            if (!event.textDelta().isEmpty()) t.token();
                        }
                    })
                    .result()
                    .join()
                    .usage()
                    .completionTokens();
        };
    }

    /** Request start, then the time of each token that carried text. */
    static final class Timeline {
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

    HttpStreams http() {
        return http;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        http.close();
    }
}
