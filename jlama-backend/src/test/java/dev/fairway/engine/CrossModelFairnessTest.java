package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-user fairness across two models sharing one {@link ComputeGate}: real engines on stories260K (F32) and its JQ4
 * copy, each limited to two running sequences so that both users are backlogged (as in SchedulerFairnessTest), user A
 * with one stream against user B with twelve. Streams are closed loops (a finished request of 32 tokens is replaced
 * at once, so that inside a model the scheduler rotates its two slots among the users). A's share of the tokens
 * served in a window after warm-up is the measure.
 */
class CrossModelFairnessTest {
    private final List<Engine> engines = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, AtomicLong> tokens = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        running.set(false);
        for (Engine e : engines) e.close();
    }

    private Engine engine(java.nio.file.Path model, ComputeGate gate) {
        EngineConfig config = EngineConfig.builder()
                .model(model.toString())
                .kvCacheMb(16)
                .threads(1)
                .maxRunningSequences(2)
                .build();
        Engine e = Engine.create(dev.fairway.engine.model.Model.load(model, null), config, gate);
        engines.add(e);
        return e;
    }

    /** One client streaming request after request as user {@code user}. */
    private void stream(Engine engine, String user) {
        GenerationRequest request = new GenerationRequest(
                user,
                user + "-" + System.identityHashCode(new Object()),
                Prompt.text("Once upon a time"),
                SamplingParams.builder()
                        .temperature(1)
                        .maxTokens(32)
                        .ignoreEos(true)
                        .build(),
                1,
                1.0);
        AtomicLong count = tokens.computeIfAbsent(user, u -> new AtomicLong());
        engine.submit(request, new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                count.incrementAndGet();
            }

            @Override
            public void onComplete(GenerationResult result) {
                if (running.get()) stream(engine, user); // at once, before the freed slot is planned
            }
        });
    }

    /** A's share of the 3000 tokens served after the first 1000 (counted in tokens: the machine may be slow). */
    private double shareOfA() throws InterruptedException {
        long a0 = awaitTotal(1000), b0 = total() - a0;
        awaitTotal(a0 + b0 + 3000);
        long a = tokens.get("A").get() - a0, b = tokens.get("B").get() - b0;
        System.out.printf("A %d tokens, B %d tokens: A's share %.3f%n", a, b, (double) a / (a + b));
        return (double) a / (a + b);
    }

    private long total() {
        return tokens.get("A").get() + tokens.get("B").get();
    }

    /** Waits until that many tokens were served in all; returns A's count then. */
    private long awaitTotal(long n) throws InterruptedException {
        long end = System.nanoTime() + 120_000_000_000L;
        while (total() < n) {
            if (System.nanoTime() > end) throw new AssertionError("only " + total() + " tokens in 2 minutes");
            Thread.sleep(5);
        }
        return tokens.get("A").get();
    }

    /** Alternating the two models' steps would give A a third (its steps serve one token, B's two). */
    @Test
    void oneStreamOnAQuietModelGetsHalfAgainstTwelveOnABusyOne() throws Exception {
        ComputeGate gate = ComputeGate.shared();
        Engine busy = engine(TestModels.stories(), gate), quiet = engine(TestModels.storiesQ4(), gate);
        stream(quiet, "A");
        for (int i = 0; i < 12; i++) stream(busy, "B");
        // 0.50 on an idle machine; when the engines' threads wait for a core, whoever waits gets the gate more often
        // and the order tends to plain alternation (a third)
        assertThat(shareOfA()).isGreaterThan(0.4);
    }

    @Test
    void oneStreamAgainstTwelveSpreadOverBothModelsIsNotStarved() throws Exception {
        ComputeGate gate = ComputeGate.shared();
        Engine first = engine(TestModels.stories(), gate), second = engine(TestModels.storiesQ4(), gate);
        stream(first, "A");
        for (int i = 0; i < 6; i++) {
            stream(first, "B");
            stream(second, "B");
        }
        // A's model also serves B: both engines always have work, so the work-conserving gate alternates them (see
        // ComputeGate's limits) and A gets the alternation's quarter (A: 1 per step of its model; B: 1 there, 2 on the
        // other), not the half a reserved turn could give. When the engines' threads wait for a core, the other model
        // gets the gate twice in a row more often: 0.18-0.21 measured with one processor and the machine's load at
        // 10; still well above the 1/13 that fairness per stream instead of per user would give A.
        assertThat(shareOfA()).isGreaterThan(0.1);
    }
}
