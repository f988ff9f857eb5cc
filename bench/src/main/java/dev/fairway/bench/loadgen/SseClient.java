package dev.fairway.bench.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Streams OpenAI-style chat completions and parses the SSE itself. One instance is shared by all workers. */
public final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI chatUri;
    private final URI modelsUri;

    public SseClient(URI baseUrl, Duration connectTimeout) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        String v1 = base.endsWith("/v1") ? base : base + "/v1";
        this.chatUri = URI.create(v1 + "/chat/completions");
        this.modelsUri = URI.create(v1 + "/models");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
    }

    public URI chatUri() {
        return chatUri;
    }

    /** First model id of GET /v1/models. */
    public String firstModel(String apiKey, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(modelsUri).timeout(timeout).GET();
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET " + modelsUri + " returned HTTP " + r.statusCode());
        JsonNode data = JSON.readTree(r.body()).path("data");
        if (!data.isArray() || data.isEmpty() || !data.get(0).hasNonNull("id")) {
            throw new IOException("GET " + modelsUri + " listed no models");
        }
        return data.get(0).get("id").asText();
    }

    /** Sends one streaming request; never throws for server/network failures, they become the record's error. */
    public RequestRecord stream(String user, String apiKey, byte[] body, Duration timeout) throws InterruptedException {
        long t0 = System.nanoTime();
        HttpRequest.Builder b = HttpRequest.newBuilder(chatUri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        Stream st = new Stream(user, t0);
        CompletableFuture<HttpResponse<Void>> resp = http.sendAsync(b.build(), info -> {
            String type = info.headers().firstValue("Content-Type").orElse("");
            st.status = info.statusCode();
            if (info.statusCode() / 100 == 2 && type.contains("text/event-stream")) {
                return BodySubscribers.fromLineSubscriber(st, s -> null, StandardCharsets.UTF_8, null);
            }
            return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), s -> {
                st.fail(
                        info.statusCode() / 100 == 2 ? RequestRecord.BAD_RESPONSE : "http_" + info.statusCode(),
                        type + " " + abbreviate(s));
                return null;
            });
        });
        resp.whenComplete((r, e) -> {
            if (e != null) st.transportFailed(e);
            else st.fail(RequestRecord.STREAM_CUT, "body ended before [DONE]"); // no-op when already finished
        });
        try {
            st.finished.get(timeout.toNanos() - (System.nanoTime() - t0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            st.fail(RequestRecord.TIMEOUT, "no [DONE] within " + timeout.toMillis() + " ms");
            st.cancel();
            resp.cancel(true);
        } catch (InterruptedException e) {
            st.fail(RequestRecord.TIMEOUT, "interrupted");
            st.cancel();
            resp.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            st.fail(RequestRecord.IO_ERROR, String.valueOf(e.getCause()));
        }
        return st.record();
    }

    private static String abbreviate(String s) {
        s = s == null ? "" : s.strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    static String classify(Throwable e, boolean gotHeaders) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException)
                return RequestRecord.TIMEOUT;
            if (t instanceof ConnectException) return RequestRecord.CONNECT_REFUSED;
        }
        return gotHeaders ? RequestRecord.STREAM_CUT : RequestRecord.IO_ERROR;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }

    /** Per-request SSE state; lines arrive on the client's threads, the worker reads the result after `finished`. */
    private static final class Stream implements Flow.Subscriber<String> {
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        final String user;
        final long t0;
        volatile int status = -1;
        private Flow.Subscription subscription;
        private final StringBuilder data = new StringBuilder();
        private boolean dataPending;
        private long firstToken = -1, lastToken = -1, end = -1;
        private long[] itl = new long[64];
        private int gaps, chunks;
        private int promptTokens = -1, completionTokens = -1;
        private String finishReason, error, errorDetail;

        Stream(String user, long t0) {
            this.user = user;
            this.t0 = t0;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public synchronized void onNext(String line) {
            if (finished.isDone()) return;
            if (line.isEmpty()) {
                dispatch();
            } else if (line.startsWith("data:")) {
                if (dataPending) data.append('\n');
                data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
                dataPending = true;
            } // comments, event:, id:, retry: are ignored
        }

        private void dispatch() {
            if (!dataPending) return;
            String payload = data.toString();
            data.setLength(0);
            dataPending = false;
            long now = System.nanoTime();
            if (payload.strip().equals("[DONE]")) {
                end = now;
                finished.complete(null);
                return;
            }
            JsonNode node;
            try {
                node = JSON.readTree(payload);
            } catch (IOException e) {
                fail(RequestRecord.BAD_RESPONSE, "SSE data is not JSON: " + abbreviate(payload));
                cancel();
                return;
            }
            if (node.hasNonNull("error")) {
                JsonNode err = node.get("error");
                fail(
                        RequestRecord.STREAM_ERROR,
                        err.isObject() ? err.path("message").asText(err.toString()) : err.asText());
                cancel();
                return;
            }
            for (JsonNode choice : node.path("choices")) {
                if (choice.path("index").asInt(0) != 0) continue;
                JsonNode content = choice.path("delta").path("content");
                if (content.isTextual() && !content.asText().isEmpty()) {
                    chunks++;
                    if (firstToken < 0) firstToken = now;
                    else {
                        if (gaps == itl.length) itl = Arrays.copyOf(itl, gaps * 2);
                        itl[gaps++] = now - lastToken;
                    }
                    lastToken = now;
                }
                if (choice.hasNonNull("finish_reason"))
                    finishReason = choice.get("finish_reason").asText();
            }
            JsonNode usage = node.path("usage");
            if (usage.isObject()) {
                promptTokens = usage.path("prompt_tokens").asInt(-1);
                completionTokens = usage.path("completion_tokens").asInt(-1);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            fail(classify(t, true), String.valueOf(t));
        }

        @Override
        public synchronized void onComplete() {
            dispatch(); // lenient: a last event without its blank line
            fail(RequestRecord.STREAM_CUT, "stream ended before [DONE]");
        }

        synchronized void transportFailed(Throwable e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            fail(classify(cause, status > 0), String.valueOf(cause));
        }

        /** Records the first error and finishes; no-op once finished. */
        synchronized void fail(String kind, String detail) {
            if (finished.isDone()) return;
            error = kind;
            errorDetail = detail;
            end = System.nanoTime();
            finished.complete(null);
        }

        synchronized void cancel() {
            if (subscription != null) subscription.cancel();
        }

        synchronized RequestRecord record() {
            long e = end >= 0 ? end : System.nanoTime();
            return new RequestRecord(
                    user,
                    t0,
                    firstToken < 0 ? -1 : firstToken - t0,
                    e - t0,
                    Arrays.copyOf(itl, gaps),
                    chunks,
                    promptTokens,
                    completionTokens,
                    finishReason,
                    error,
                    errorDetail);
        }
    }
}
