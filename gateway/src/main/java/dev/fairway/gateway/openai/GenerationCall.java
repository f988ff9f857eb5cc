package dev.fairway.gateway.openai;

import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * One engine generation bound to one HTTP exchange: submitted off the event loop (tokenizing a big prompt must not
 * stall it), events relayed onto the request's context, cancelled when the client's connection closes.
 */
public final class GenerationCall implements GenerationListener {
    public static final String START_NANOS = "fairway.startNanos";

    private final Context context;
    private final GenerationSink sink;
    private final GatewayMetrics metrics;
    private final String user;
    private final long startNanos;
    private volatile GenerationHandle handle;
    private volatile boolean clientGone;
    private long lastTokenNanos;
    private boolean sawToken;

    private GenerationCall(RoutingContext ctx, GenerationSink sink, GatewayMetrics metrics, String user) {
        this.context = ctx.vertx().getOrCreateContext();
        this.sink = sink;
        this.metrics = metrics;
        this.user = user;
        Long start = ctx.get(START_NANOS);
        this.startNanos = start == null ? System.nanoTime() : start;
    }

    /** Submits; the future fails with the engine's rejection (invalid, context length, overloaded). */
    public static Future<GenerationCall> start(RoutingContext ctx, Engine engine, GenerationRequest request,
            boolean maxTokensGiven, GatewayMetrics metrics, GenerationSink sink) {
        try {
            checkPromptSize(request.prompt(), engine.modelInfo().contextLength());
        } catch (ApiError e) {
            return Future.failedFuture(e);
        }
        GenerationCall call = new GenerationCall(ctx, sink, metrics, request.userId());
        ctx.response().closeHandler(v -> call.onClientClosed());
        return ctx.vertx().executeBlocking(() -> engine.submit(withDefaultMaxTokens(engine, request, maxTokensGiven), call), false)
                .map(h -> {
                    call.handle = h;
                    if (call.clientGone) h.cancel();
                    return call;
                });
    }

    /** No tokenizer packs this many characters into one token on average; longer prompts cannot fit the context. */
    static final int MAX_CHARS_PER_TOKEN = 32;

    /**
     * Refuses, before tokenizing, prompts that cannot fit the context whatever the tokenizer does: tokenizing
     * megabytes only to answer "too long" would tie up a worker thread.
     */
    static void checkPromptSize(Prompt prompt, int contextLength) {
        long chars = switch (prompt) {
            case Prompt.Text t -> t.text().length();
            case Prompt.Chat c -> c.messages().stream().mapToLong(m -> m.content().length()).sum();
            case Prompt.Tokens t -> 0; // counted exactly by the engine
        };
        if (chars > (long) contextLength * MAX_CHARS_PER_TOKEN) {
            throw ApiError.badRequest("The prompt is " + chars + " characters long; it cannot fit this model's maximum context "
                    + "length of " + contextLength + " tokens. Please reduce the length of the messages.",
                    prompt instanceof Prompt.Text ? "prompt" : "messages", "context_length_exceeded");
        }
    }

    /**
     * Without max_tokens a chat may use whatever the context has left after its prompt. The prompt then goes to the
     * engine as the token ids counted here, so its template is rendered and encoded once, not twice.
     */
    static GenerationRequest withDefaultMaxTokens(Engine engine, GenerationRequest request, boolean maxTokensGiven) {
        if (maxTokensGiven) return request;
        int[] prompt = engine.promptTokens(request.prompt());
        int left = Math.max(1, engine.modelInfo().contextLength() - prompt.length);
        return new GenerationRequest(request.userId(), request.conversationId(), Prompt.tokens(prompt),
                request.params().toBuilder().maxTokens(left).build(), request.n(), request.userWeight());
    }

    public boolean isClientGone() { return clientGone; }

    private void onClientClosed() {
        clientGone = true;
        GenerationHandle h = handle;
        if (h != null) h.cancel();
    }

    public void cancel() {
        GenerationHandle h = handle;
        if (h != null) h.cancel();
    }

    public String requestId() { return handle == null ? null : handle.id(); }

    @Override
    public void onToken(TokenEvent event) {
        long now = System.nanoTime();
        if (event.choice() == 0) {
            if (!sawToken) metrics.timeToFirstToken(now - startNanos);
            else metrics.interToken(now - lastTokenNanos);
            sawToken = true;
            lastTokenNanos = now;
        }
        context.runOnContext(v -> sink.onToken(event));
    }

    @Override
    public void onComplete(GenerationResult result) {
        long total = System.nanoTime() - startNanos;
        context.runOnContext(v -> {
            metrics.finished(user, result.usage(), total);
            sink.onComplete(result);
        });
    }
}
