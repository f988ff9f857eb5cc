package dev.fairway.gateway.openai;

import dev.fairway.engine.Engine;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.AccessLog;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One engine generation bound to one HTTP exchange: a long prompt is submitted off the event loop (tokenizing it
 * must not stall the loop), events relayed onto the request's context, cancelled when the client's connection closes.
 */
public final class GenerationCall implements GenerationListener, Drain.Cuttable {
    public static final String START_NANOS = "fairway.startNanos";
    /** The model's name for the metrics' {@code model} label, put on the context by the endpoint. */
    public static final String MODEL_LABEL = "fairway.modelLabel";

    private final Context context;
    private final GenerationSink sink;
    private final GatewayMetrics metrics;
    private final Drain drain;
    private final String user;
    private final String model;
    private final long startNanos;
    /** The request's access log line, told the token counts; null where requests are not logged. */
    private final AccessLog accessLog;
    /** TokenEvents, then a Done; filled on the engine thread, drained on the event loop. */
    private final Queue<Object> pending = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean deliveryScheduled = new AtomicBoolean();
    private volatile GenerationHandle handle;
    private volatile boolean clientGone;
    private volatile ApiError cutBy;
    private long lastTokenNanos;
    private boolean sawToken;

    private GenerationCall(
            RoutingContext ctx, GenerationSink sink, GatewayMetrics metrics, Drain drain, String user, String model) {
        this.context = ctx.vertx().getOrCreateContext();
        this.sink = sink;
        this.metrics = metrics;
        this.drain = drain;
        this.user = user;
        this.model = model;
        Long start = ctx.get(START_NANOS);
        this.startNanos = start == null ? System.nanoTime() : start;
        this.accessLog = AccessLog.of(ctx);
    }

    /** Submits; the future fails with the engine's rejection (invalid, context length, overloaded). */
    public static Future<GenerationCall> start(
            RoutingContext ctx,
            Engine engine,
            GenerationRequest request,
            boolean maxTokensGiven,
            GatewayMetrics metrics,
            Drain drain,
            GenerationSink sink) {
        try {
            checkPromptSize(request.prompt(), engine.modelInfo().contextLength());
        } catch (ApiError e) {
            return Future.failedFuture(e);
        }
        String model = ctx.get(MODEL_LABEL);
        GenerationCall call = new GenerationCall(
                ctx,
                sink,
                metrics,
                drain,
                request.userId(),
                model != null ? model : engine.modelInfo().id());
        // an end handler, not closeHandler(): that would replace the router's own, and its end handlers would never run
        ctx.addEndHandler(ended -> {
            if (ended.failed()) call.onClientClosed();
        });
        if (ctx.response().closed()) call.onClientClosed(); // closed before the handler was added: it will not run
        Callable<GenerationHandle> submit =
                () -> engine.submit(withDefaultMaxTokens(engine, request, maxTokensGiven), call);
        drain.register(call);
        if (call.accessLog != null) call.accessLog.generationStarted();
        return submitted(ctx, request.prompt(), submit)
                .map(h -> {
                    call.handle = h;
                    if (call.clientGone || call.cutBy != null) h.cancel();
                    return call;
                })
                .onFailure(e -> {
                    drain.unregister(call);
                    if (call.accessLog != null) call.accessLog.generationEnded(null);
                });
    }

    /**
     * Prompts up to this many characters are rendered and encoded on the event loop: that work (0.3-1.2 ms measured
     * with SmolLM2's template) takes as long on any thread, and the hop to a worker and back added to every
     * request's latency. Longer prompts go to a worker, so the loop never stalls for long.
     */
    static final int INLINE_PROMPT_CHARS = 256;

    private static Future<GenerationHandle> submitted(
            RoutingContext ctx, Prompt prompt, Callable<GenerationHandle> submit) {
        if (promptChars(prompt) > INLINE_PROMPT_CHARS) return ctx.vertx().executeBlocking(submit, false);
        try {
            return Future.succeededFuture(submit.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    /** No tokenizer packs this many characters into one token on average; longer prompts cannot fit the context. */
    static final int MAX_CHARS_PER_TOKEN = 32;

    /**
     * Refuses, before tokenizing, prompts that cannot fit the context whatever the tokenizer does: tokenizing
     * megabytes only to answer "too long" would tie up a worker thread.
     */
    static void checkPromptSize(Prompt prompt, int contextLength) {
        long chars = promptChars(prompt);
        if (chars > (long) contextLength * MAX_CHARS_PER_TOKEN) {
            throw ApiError.badRequest(
                    "The prompt is " + chars + " characters long; it cannot fit this model's maximum context "
                            + "length of " + contextLength + " tokens. Please reduce the length of the messages.",
                    prompt instanceof Prompt.Text ? "prompt" : "messages",
                    "context_length_exceeded");
        }
    }

    private static long promptChars(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text t -> t.text().length();
            case Prompt.Chat c -> {
                long sum = 0;
                for (var m : c.messages()) sum += m.content().length();
                yield sum;
            }
            case Prompt.Tokens t -> 0; // counted exactly by the engine
        };
    }

    /**
     * Without max_tokens a chat may use whatever the context has left after its prompt. The prompt then goes to the
     * engine as the token ids counted here, so its template is rendered and encoded once, not twice.
     */
    static GenerationRequest withDefaultMaxTokens(Engine engine, GenerationRequest request, boolean maxTokensGiven) {
        if (maxTokensGiven) return request;
        int[] prompt = engine.promptTokens(request.prompt());
        int left = Math.max(1, engine.modelInfo().contextLength() - prompt.length);
        return new GenerationRequest(
                request.userId(),
                request.fairnessGroup(),
                Prompt.tokens(prompt),
                request.params().toBuilder().maxTokens(left).build(),
                request.n(),
                request.userWeight());
    }

    private void onClientClosed() {
        clientGone = true;
        GenerationHandle h = handle;
        if (h != null) h.cancel();
    }

    public void cancel() {
        GenerationHandle h = handle;
        if (h != null) h.cancel();
    }

    /** Stopped by the server: the sink hears {@code why} instead of a normal ending. */
    @Override
    public void cut(ApiError why) {
        cutBy = why;
        cancel();
    }

    public String requestId() {
        return handle == null ? null : handle.id();
    }

    @Override
    public void onToken(TokenEvent event) {
        long now = System.nanoTime();
        if (event.choice() == 0) {
            if (!sawToken) metrics.timeToFirstToken(model, now - startNanos);
            else metrics.interToken(model, now - lastTokenNanos);
            sawToken = true;
            lastTokenNanos = now;
        }
        relay(event);
    }

    @Override
    public void onComplete(GenerationResult result) {
        relay(new Done(result, System.nanoTime() - startNanos));
    }

    private record Done(GenerationResult result, long totalNanos) {}

    /**
     * One event-loop task per burst, not per token: while a delivery is pending, further events join it, so an
     * event loop that fell behind the engine catches up with one write per stream instead of one per token.
     */
    private void relay(Object event) {
        pending.add(event);
        if (deliveryScheduled.compareAndSet(false, true)) context.runOnContext(this::deliver);
    }

    private void deliver(Void unused) {
        deliveryScheduled.set(false); // before draining: an event added from now on schedules its own delivery
        List<TokenEvent> tokens = new ArrayList<>();
        for (Object event; (event = pending.poll()) != null; ) {
            if (event instanceof TokenEvent t) {
                tokens.add(t);
                continue;
            }
            if (!tokens.isEmpty()) sink.onTokens(tokens);
            tokens = new ArrayList<>();
            Done done = (Done) event;
            drain.unregister(this);
            metrics.finished(model, user, done.result(), done.totalNanos());
            // before the sink ends the response: the line is written once both happened, whichever comes last
            if (accessLog != null) accessLog.generationEnded(done.result());
            ApiError cut = cutBy;
            if (cut != null && done.result().first().finishReason() == FinishReason.CANCELLED)
                sink.onCut(done.result(), cut);
            else sink.onComplete(done.result());
        }
        if (!tokens.isEmpty()) sink.onTokens(tokens);
    }
}
