package dev.fairway.gateway.embeddings;

import dev.fairway.engine.Engine;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.http.AccessLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Embeds validated inputs on a loaded engine, for both /v1/embeddings and Ollama's /api/embed: texts are tokenized off
 * the event loop when long, the engine runs them between its steps, and the result comes back on the request's
 * context.
 */
public final class Embeddings {
    /** Inputs at most this many characters in all are tokenized on the event loop (as prompts are). */
    private static final int INLINE_CHARS = 256;

    /** One vector per input, in order, and the tokens they took. */
    public record Result(float[][] vectors, int promptTokens) {}

    private Embeddings() {}

    public static Future<Result> embed(RoutingContext ctx, Engine engine, List<Prompt> inputs) {
        Context context = ctx.vertx().getOrCreateContext();
        long chars = 0;
        for (Prompt p : inputs)
            if (p instanceof Prompt.Text t) chars += t.text().length();
        java.util.concurrent.Callable<List<int[]>> tokenize = () -> {
            List<int[]> ids = new ArrayList<>();
            for (Prompt p : inputs) ids.add(engine.promptTokens(p));
            return ids;
        };
        Future<List<int[]>> tokens;
        if (chars > INLINE_CHARS) {
            tokens = ctx.vertx().executeBlocking(tokenize, false);
        } else {
            try {
                tokens = Future.succeededFuture(tokenize.call());
            } catch (Exception e) {
                tokens = Future.failedFuture(e);
            }
        }
        return tokens.compose(ids -> {
            int count = 0;
            for (int[] i : ids) count += i.length;
            int promptTokens = count;
            Promise<Result> out = Promise.promise();
            try {
                engine.embed(ids)
                        .whenComplete((vectors, err) -> context.runOnContext(v -> {
                            if (err != null)
                                out.fail(
                                        err instanceof CompletionException && err.getCause() != null
                                                ? err.getCause()
                                                : err);
                            else {
                                AccessLog.addTokens(ctx, promptTokens, 0);
                                out.complete(new Result(vectors, promptTokens));
                            }
                        }));
            } catch (RuntimeException e) {
                out.fail(e);
            }
            return out.future();
        });
    }
}
