package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.ComputeGate;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One generation bound to one exchange, on the real engine (stories260K) behind a real Vert.x route. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerationCallTest {
    private final Vertx vertx = Vertx.vertx();
    private final Drain drain = new Drain(); // unused here: calls register with it
    private final GatewayMetrics metrics = new GatewayMetrics(() -> null, false);
    private final HttpClient client = HttpClient.newHttpClient();
    /** Shared, so a test can brake the engine (see {@link EngineBrake}). */
    private final ComputeGate gate = ComputeGate.shared();

    private Engine engine;
    private HttpServer server;
    private volatile Recorder current;

    /** What the sink heard, and on which threads. */
    private static final class Recorder implements GenerationSink {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();
        final CompletableFuture<GenerationCall> call = new CompletableFuture<>();
        volatile ApiError cutBy;

        @Override
        public void onTokens(List<TokenEvent> tokens) {
            threads.add(Thread.currentThread().getName());
            for (TokenEvent t : tokens) events.add(t.textDelta());
        }

        @Override
        public void onComplete(GenerationResult result) {
            threads.add(Thread.currentThread().getName());
            done.complete(result);
        }

        @Override
        public void onFailure(ApiError error) {
            done.completeExceptionally(error);
        }

        @Override
        public void onCut(GenerationResult partial, ApiError why) {
            cutBy = why;
            done.complete(partial);
        }
    }

    @BeforeAll
    void start() {
        engine = Engine.open(
                EngineConfig.builder()
                        .model(TestGateway.modelPath())
                        .kvCacheMb(32)
                        .threads(2)
                        .build(),
                gate);
        Router router = Router.router(vertx);
        router.get("/:tokens").handler(ctx -> {
            Recorder sink = current;
            int maxTokens = Integer.parseInt(ctx.pathParam("tokens"));
            SamplingParams params = SamplingParams.builder()
                    .temperature(0)
                    .maxTokens(maxTokens)
                    .ignoreEos(maxTokens > 100)
                    .build();
            GenerationRequest request = new GenerationRequest(
                    "u", "", Prompt.chat(List.of(ChatMessage.user("Once upon a time"))), params, 1, 1.0);
            GenerationCall.start(ctx, engine, request, true, metrics, drain, sink)
                    .onSuccess(sink.call::complete)
                    .onFailure(ctx::fail);
            sink.done.whenComplete(
                    (r, e) -> ctx.vertx().runOnContext(v -> ctx.response().end("done")));
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
        engine.close();
    }

    private CompletableFuture<HttpResponse<String>> call(Recorder sink, int maxTokens) {
        current = sink;
        return client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/" + maxTokens))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tokensThenOneCompletionArriveInOrderOnTheEventLoop() throws Exception {
        Recorder sink = new Recorder();
        call(sink, 12).get(30, TimeUnit.SECONDS);
        GenerationResult result = sink.done.get(30, TimeUnit.SECONDS);
        assertThat(String.join("", sink.events)).isEqualTo(result.text()).startsWith(TestGateway.STORY);
        assertThat(result.usage().completionTokens()).isEqualTo(12);
        assertThat(sink.threads).allMatch(t -> t.startsWith("vert.x-eventloop"));
        assertThat(sink.cutBy).isNull();
    }

    @Test
    void aCutGenerationEndsWithWhatItSaidAndTheReason() throws Exception {
        Recorder sink = new Recorder();
        CompletableFuture<HttpResponse<String>> response;
        GenerationResult partial;
        // braked, the generation is still running when it is cut, however slow the machine
        try (EngineBrake brake = EngineBrake.on(gate)) {
            response = call(sink, 480);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sink.events.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(sink.events).isNotEmpty();
            sink.call.get(60, TimeUnit.SECONDS).cut(ApiError.shuttingDown()); // what Drain does to every running call
            partial = sink.done.get(60, TimeUnit.SECONDS);
        }
        response.get(30, TimeUnit.SECONDS);
        assertThat(sink.cutBy.code()).isEqualTo("server_shutting_down");
        assertThat(partial.first().finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(partial.usage().completionTokens()).isLessThan(480);
        assertThat(String.join("", sink.events)).isEqualTo(partial.text());
    }

    @Test
    void promptsThatCannotFitAreRefusedBeforeTokenizing() {
        String huge = "x".repeat(512 * GenerationCall.MAX_CHARS_PER_TOKEN + 1);
        assertThatThrownBy(() -> GenerationCall.checkPromptSize(Prompt.text(huge), 512))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.code()).isEqualTo("context_length_exceeded"));
        GenerationCall.checkPromptSize(Prompt.text("x".repeat(512 * GenerationCall.MAX_CHARS_PER_TOKEN)), 512);
    }

    @Test
    void withoutMaxTokensAReplyMayUseTheRestOfTheContext() {
        GenerationRequest request = new GenerationRequest(
                "u",
                "",
                Prompt.chat(List.of(ChatMessage.user("Once upon a time"))),
                SamplingParams.builder().build(),
                1,
                1.0);
        GenerationRequest resolved = GenerationCall.withDefaultMaxTokens(engine, request, false);
        int promptLength = engine.promptTokens(request.prompt()).length;
        assertThat(resolved.prompt()).isInstanceOf(Prompt.Tokens.class); // tokenized once, here
        assertThat(resolved.params().maxTokens()).isEqualTo(engine.modelInfo().contextLength() - promptLength);
        assertThat(GenerationCall.withDefaultMaxTokens(engine, request, true)).isSameAs(request);
    }
}
