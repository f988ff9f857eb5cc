package dev.fairway.bench.engine;

import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import java.util.Queue;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/** Closed-loop client streams for the fairness bench: each keeps one request in flight and re-submits when it ends. */
final class FairnessStreams {
    private final Engine engine;
    private final Queue<GenerationHandle> handles;
    private volatile boolean stopped;

    FairnessStreams(Engine engine, Queue<GenerationHandle> handles) {
        this.engine = engine;
        this.handles = handles;
    }

    /** A stream whose every token time (System.nanoTime on the engine thread) goes to {@code onToken}. */
    void start(String user, String conversation, Supplier<int[]> prompt, SamplingParams params, LongConsumer onToken) {
        if (stopped) return;
        GenerationRequest req = new GenerationRequest(user, conversation, Prompt.tokens(prompt.get()), params, 1, 1.0);
        handles.add(engine.submit(req, new GenerationListener() {
            @Override
            public void onToken(TokenEvent e) {
                onToken.accept(System.nanoTime());
            }

            @Override
            public void onComplete(GenerationResult r) {
                start(user, conversation, prompt, params, onToken);
            }
        }));
    }

    /** A stream that records {end time, gap} of every inter-token interval inside one request. */
    void startTimed(
            String user, String conversation, Supplier<int[]> prompt, SamplingParams params, Queue<long[]> gaps) {
        if (stopped) return;
        GenerationRequest req = new GenerationRequest(user, conversation, Prompt.tokens(prompt.get()), params, 1, 1.0);
        handles.add(engine.submit(req, new GenerationListener() {
            private long last;

            @Override
            public void onToken(TokenEvent e) {
                long now = System.nanoTime();
                if (last != 0) gaps.add(new long[] {now, now - last});
                last = now;
            }

            @Override
            public void onComplete(GenerationResult r) {
                startTimed(user, conversation, prompt, params, gaps);
            }
        }));
    }

    void stop() {
        stopped = true;
        for (GenerationHandle h : handles) h.cancel();
        for (GenerationHandle h : handles) h.result().join();
    }
}
