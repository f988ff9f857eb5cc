package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.engine.Usage;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.http.ApiError;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SSE writer over a real Vert.x server: each test route feeds it scripted engine events, and a real client
 * reads what went over the wire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SseResponderTest {
    private final Vertx vertx = Vertx.vertx();
    private final Map<String, Consumer<SseResponder>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Boolean> usage = new ConcurrentHashMap<>();
    private final HttpClient client = HttpClient.newHttpClient();
    private HttpServer server;

    @BeforeAll
    void start() {
        Router router = Router.router(vertx);
        router.get("/:script").handler(ctx -> {
            String name = ctx.pathParam("script");
            Envelope envelope = Envelope.of(ChatShape.INSTANCE, "m");
            SseResponder sse = new SseResponder(
                    ctx.response(), envelope, name.startsWith("two") ? 2 : 1, usage.getOrDefault(name, false));
            scripts.get(name).accept(sse);
        });
        server = vertx.createHttpServer()
                .requestHandler(router)
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .join();
    }

    @AfterAll
    void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private record Wire(int status, String contentType, List<String> data, String body) {}

    private Wire run(String name, boolean includeUsage, Consumer<SseResponder> script) throws Exception {
        scripts.put(name, script);
        usage.put(name, includeUsage);
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/" + name))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> data = new ArrayList<>();
        for (String line : r.body().split("\n")) if (line.startsWith("data: ")) data.add(line.substring(6));
        return new Wire(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), data, r.body());
    }

    private static TokenEvent token(int choice, String text) {
        return new TokenEvent(choice, 1, text, null);
    }

    private static GenerationResult result(FinishReason... reasons) {
        List<ChoiceResult> choices = new ArrayList<>();
        for (int i = 0; i < reasons.length; i++) {
            choices.add(new ChoiceResult(
                    i, "", new int[0], reasons[i], reasons[i] == FinishReason.ERROR ? "boom" : null, null));
        }
        return new GenerationResult("r", choices, new Usage(3, 2, 1), null);
    }

    private static String text(List<String> data, int choice) {
        StringBuilder out = new StringBuilder();
        for (String d : data) {
            if (d.equals("[DONE]")) continue;
            for (JsonNode c : Http.parse(d).path("choices")) {
                if (c.get("index").asInt() == choice)
                    out.append(c.path("delta").path("content").asText(""));
            }
        }
        return out.toString();
    }

    @Test
    void tokensStreamAsChunksThenTheFinishChunkThenDone() throws Exception {
        Wire w = run("plain", false, sse -> {
            sse.onTokens(List.of(token(0, "Once"), token(0, " \"upon\"\n"), token(0, "")));
            sse.onTokens(List.of(token(0, "a t\u00efme \uD83D\uDE00")));
            sse.onComplete(result(FinishReason.STOP));
        });
        assertThat(w.status()).isEqualTo(200);
        assertThat(w.contentType()).startsWith("text/event-stream");
        assertThat(w.data().get(w.data().size() - 1)).isEqualTo("[DONE]");
        JsonNode first = Http.parse(w.data().get(0));
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.get("choices").get(0).get("delta").get("role").asText())
                .isEqualTo("assistant");
        assertThat(text(w.data(), 0))
                .isEqualTo("Once \"upon\"\na t\u00efme \uD83D\uDE00"); // escaped, and an empty delta sends nothing
        JsonNode finish = Http.parse(w.data().get(w.data().size() - 2));
        assertThat(finish.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        for (String d : w.data().subList(0, w.data().size() - 1))
            assertThat(Http.parse(d).has("usage")).isFalse();
    }

    @Test
    void withIncludeUsageEveryChunkCarriesNullUsageAndTheLastOneTheCounts() throws Exception {
        Wire w = run("usage", true, sse -> {
            sse.onTokens(List.of(token(0, "a")));
            sse.onComplete(result(FinishReason.LENGTH));
        });
        List<String> chunks = w.data().subList(0, w.data().size() - 1);
        for (String d : chunks.subList(0, chunks.size() - 1))
            assertThat(Http.parse(d).get("usage").isNull()).isTrue();
        JsonNode last = Http.parse(chunks.get(chunks.size() - 1));
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(last.get("usage").get("completion_tokens").asInt()).isEqualTo(2);
        assertThat(last.get("usage")
                        .get("prompt_tokens_details")
                        .get("cached_tokens")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void twoChoicesKeepTheirIndexes() throws Exception {
        Wire w = run("two", false, sse -> {
            sse.onTokens(List.of(token(0, "A"), token(1, "B"), token(0, "a")));
            sse.onComplete(result(FinishReason.STOP, FinishReason.LENGTH));
        });
        assertThat(text(w.data(), 0)).isEqualTo("Aa");
        assertThat(text(w.data(), 1)).isEqualTo("B");
    }

    @Test
    void aFailureBeforeTheStreamOpensIsAPlainErrorResponse() throws Exception {
        Wire w = run("early", false, sse -> sse.onFailure(ApiError.serverError("nope", "storage_error")));
        assertThat(w.status()).isEqualTo(500);
        assertThat(Http.parse(w.body()).get("error").get("code").asText()).isEqualTo("storage_error");
    }

    @Test
    void aFailureMidStreamIsAnErrorEventThenDone() throws Exception {
        Wire w = run("late", false, sse -> {
            sse.onTokens(List.of(token(0, "Once")));
            sse.onFailure(ApiError.shuttingDown());
        });
        assertThat(w.status()).isEqualTo(200);
        assertThat(w.data().get(w.data().size() - 1)).isEqualTo("[DONE]");
        assertThat(Http.parse(w.data().get(w.data().size() - 2))
                        .get("error")
                        .get("code")
                        .asText())
                .isEqualTo("server_shutting_down");
        assertThat(text(w.data(), 0)).isEqualTo("Once");
    }

    @Test
    void anEngineErrorAfterTokensIsReportedInBand() throws Exception {
        Wire w = run("engineError", false, sse -> {
            sse.onTokens(List.of(token(0, "x")));
            sse.onComplete(result(FinishReason.ERROR));
        });
        JsonNode error = Http.parse(w.data().get(w.data().size() - 2)).get("error");
        assertThat(error.get("type").asText()).isEqualTo("server_error");
        assertThat(error.get("message").asText()).isEqualTo("boom");
    }
}
