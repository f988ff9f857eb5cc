package dev.fairway.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.ComputeGate;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GateHold;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real engine (stories260K) under heavy KV pressure: preempted streams resume into one continuous stream. */
class EnginePreemptionTest {
    static Model model;

    static final String[] PROMPTS = {
        "Once upon a time", "The cat sat", "Tom and Lily went to the park", "One day, a little bird",
        "The sun was shining", "Mom said", "There was a big red ball", "A boy named Tim",
        "Lily liked to", "The dog ran", "Sam had a toy", "It was a rainy day"
    };

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.stories(), null);
    }

    @AfterAll
    static void unload() {
        model = null;
    }

    private static GenerationRequest greedy(String user, String prompt, int max) {
        return new GenerationRequest(user, "c-" + prompt, Prompt.text(prompt), SamplingParams.greedy(max), 1, 1.0);
    }

    @Test
    void heavyPressureBothPoliciesSameGreedyTextContinuousStreams() throws Exception {
        List<String> alone = new ArrayList<>();
        try (Engine roomy =
                Engine.create(model, EngineConfig.builder().kvCacheTokens(8192).build())) {
            for (String p : PROMPTS)
                alone.add(roomy.generate(greedy("u", p, 150)).text());
        }
        for (EngineConfig.SchedulingPolicy policy : EngineConfig.SchedulingPolicy.values()) {
            // 12 streams of ~160 tokens need ~120 blocks of 16; the pool has 20 (320 tokens): two or three fit at once.
            // The gate is held while they are submitted, so all of them contend from the first step on, however slowly
            // this thread submits on a loaded machine.
            ComputeGate gate = ComputeGate.shared();
            try (Engine tight = Engine.create(
                    model,
                    EngineConfig.builder()
                            .kvCacheTokens(320)
                            .blockSize(16)
                            .maxBatchTokens(48)
                            .policy(policy)
                            .prefixCaching(true)
                            .build(),
                    gate)) {
                List<GenerationHandle> hs = new ArrayList<>();
                GateHold hold = new GateHold(gate);
                List<StringBuilder> streamed = new ArrayList<>();
                List<AtomicInteger> tokenCounts = new ArrayList<>();
                for (int i = 0; i < PROMPTS.length; i++) {
                    StringBuilder sb = new StringBuilder();
                    AtomicInteger n = new AtomicInteger();
                    streamed.add(sb);
                    tokenCounts.add(n);
                    hs.add(tight.submit(greedy("user" + (i % 3), PROMPTS[i], 150), new GenerationListener() {
                        @Override
                        public void onToken(TokenEvent e) {
                            sb.append(e.textDelta());
                            n.incrementAndGet();
                        }
                    }));
                }
                hold.close();
                for (int i = 0; i < PROMPTS.length; i++) {
                    GenerationResult r = hs.get(i).result().get(120, TimeUnit.SECONDS);
                    assertThat(r.text()).as("%s %s", policy, PROMPTS[i]).isEqualTo(alone.get(i));
                    // one continuous stream: every token streamed once, deltas form the text
                    assertThat(streamed.get(i).toString()).isEqualTo(r.text());
                    assertThat(tokenCounts.get(i).get()).isEqualTo(r.usage().completionTokens());
                    assertThat(r.timings().tokenTimesNanos()).hasSize(r.usage().completionTokens());
                }
                assertThat(tight.stats().preemptions())
                        .as("%s preemptions", policy)
                        .isGreaterThan(3);
                long deadline = System.currentTimeMillis() + 60_000;
                while (tight.stats().kvBlocksUsed() != 0 && System.currentTimeMillis() < deadline) Thread.sleep(10);
                assertThat(tight.stats().kvBlocksUsed()).isZero();
                System.out.println(policy + ": " + tight.stats().preemptions() + " preemptions, "
                        + tight.stats().steps() + " steps");
            }
        }
    }
}
