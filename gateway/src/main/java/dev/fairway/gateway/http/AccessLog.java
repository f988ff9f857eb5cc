package dev.fairway.gateway.http;

import dev.fairway.engine.GenerationResult;
import io.vertx.core.AsyncResult;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per request on the logger {@code fairway.access}, written when the exchange is over: the response ended
 * (a stream: its last event, or the client hung up) and every generation the request started has reported its
 * tokens - a cut stream's count arrives from the engine after the connection closed. The fields go both into the
 * message (text logs) and as key-value pairs (JSON logs: one field each).
 */
public final class AccessLog {
    static final Logger LOG = LoggerFactory.getLogger("fairway.access");
    private static final String KEY = "fairway.access";

    private final String method;
    private final String route;
    private final String path;
    private final long startNanos;
    private final Function<RoutingContext, String> user;
    private final Function<RoutingContext, String> model;
    private final RoutingContext ctx;
    private int runningGenerations;
    private long promptTokens;
    private long completionTokens;
    private boolean counted;
    private String finishReason;
    private boolean responseOver;
    private boolean clientClosed;
    private boolean written;

    private AccessLog(
            RoutingContext ctx,
            String route,
            long startNanos,
            Function<RoutingContext, String> user,
            Function<RoutingContext, String> model) {
        this.ctx = ctx;
        this.method = ctx.request().method().name();
        this.route = route;
        this.path = ctx.request().path();
        this.startNanos = startNanos;
        this.user = user;
        this.model = model;
    }

    /** Starts the request's entry; {@code user} and {@code model} are read from the context when the line is written. */
    public static void begin(
            RoutingContext ctx,
            String route,
            long startNanos,
            Function<RoutingContext, String> user,
            Function<RoutingContext, String> model) {
        AccessLog entry = new AccessLog(ctx, route, startNanos, user, model);
        ctx.put(KEY, entry);
        ctx.addEndHandler(entry::responseEnded);
    }

    /** The request's entry, or null on a router without access logging (the separate metrics listener). */
    public static AccessLog of(RoutingContext ctx) {
        return ctx.get(KEY);
    }

    /** Token counts of work done without a generation (embeddings). */
    public static void addTokens(RoutingContext ctx, long prompt, long completion) {
        AccessLog entry = of(ctx);
        if (entry == null) return;
        synchronized (entry) {
            entry.promptTokens += prompt;
            entry.completionTokens += completion;
            entry.counted = true;
        }
    }

    /** A generation was submitted for this request: the line waits for its result. */
    public synchronized void generationStarted() {
        runningGenerations++;
    }

    /** Called once per started generation, also when it never ran (its submission failed: {@code result} null). */
    public void generationEnded(GenerationResult result) {
        synchronized (this) {
            runningGenerations--;
            if (result != null) {
                promptTokens += result.usage().promptTokens();
                completionTokens += result.usage().completionTokens();
                counted = true;
                finishReason = result.first().finishReason().openAi();
            }
        }
        writeIfOver();
    }

    private void responseEnded(AsyncResult<Void> ended) {
        synchronized (this) {
            responseOver = true;
            clientClosed = ended.failed();
        }
        writeIfOver();
    }

    private void writeIfOver() {
        synchronized (this) {
            if (written || !responseOver || runningGenerations > 0) return;
            written = true;
        }
        write();
    }

    private void write() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", user.apply(ctx));
        fields.put("model", model.apply(ctx));
        if (counted) {
            fields.put("prompt_tokens", promptTokens);
            fields.put("completion_tokens", completionTokens);
        }
        fields.put("finish_reason", finishReason);
        fields.put("duration_ms", (System.nanoTime() - startNanos) / 1_000_000);
        if (clientClosed) fields.put("client_closed", true);
        int status = ctx.response().getStatusCode();
        StringBuilder text = new StringBuilder(method + " " + path + " " + status);
        LoggingEventBuilder line = LOG.atInfo()
                .addKeyValue("method", method)
                .addKeyValue("route", route)
                .addKeyValue("path", path)
                .addKeyValue("status", status);
        for (Map.Entry<String, Object> f : fields.entrySet()) {
            if (f.getValue() == null) continue;
            line = line.addKeyValue(f.getKey(), f.getValue());
            text.append(' ').append(f.getKey()).append('=').append(f.getValue());
        }
        line.setMessage(text.toString()).log();
    }
}
