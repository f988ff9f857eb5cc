package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineTest {
    static Model model;
    static Engine engine;

    static final String[] PROMPTS = {
        "Once upon a time", "The cat sat", "Tom and Lily went to the park", "One day, a little bird",
        "The sun was shining", "Mom said", "There was a big red ball", "A boy named Tim"
    };

    @BeforeAll
    static void start() {
        model = Model.load(TestModels.stories(), null);
        engine = Engine.create(
                model,
                EngineConfig.builder()
                        .kvCacheTokens(4096)
                        .maxBatchTokens(64)
                        .maxWaitingRequests(5000)
                        .build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /**
     * Stats are published after each step, just after results complete: wait for the step to end. Sleeping, not
     * spinning: on a loaded machine the engine thread needs the core.
     */
    static void awaitIdle(Engine e) {
        long deadline = System.currentTimeMillis() + 60_000;
        while ((e.stats().kvBlocksUsed() != 0 || e.stats().runningSequences() != 0)
                && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static GenerationRequest greedy(String prompt, int max) {
        return GenerationRequest.of(Prompt.text(prompt), SamplingParams.greedy(max));
    }

    @Test
    void greedyStoryAndStreamedDeltasFormTheText() {
        StringBuilder streamed = new StringBuilder();
        var h = engine.submit(greedy("Once upon a time", 30), new GenerationListener() {
            @Override
            public void onToken(TokenEvent e) {
                streamed.append(e.textDelta());
            }
        });
        GenerationResult r = h.result().join();
        assertThat(r.text()).startsWith(", there was a little girl named Lily.");
        assertThat(streamed.toString()).isEqualTo(r.text());
        assertThat(r.first().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.usage().completionTokens()).isEqualTo(30);
        assertThat(r.usage().promptTokens()).isEqualTo(engine.promptTokens(Prompt.text("Once upon a time")).length);
        assertThat(r.timings().tokenTimesNanos()).hasSize(30);
    }

    @Test
    void batchedGreedyEqualsEachAlone() {
        List<String> alone = new ArrayList<>();
        for (String p : PROMPTS) alone.add(engine.generate(greedy(p, 40)).text());
        List<GenerationHandle> handles = new ArrayList<>();
        for (String p : PROMPTS) handles.add(engine.submit(greedy(p, 40), null));
        for (int i = 0; i < PROMPTS.length; i++) {
            assertThat(handles.get(i).result().join().text()).as(PROMPTS[i]).isEqualTo(alone.get(i));
        }
    }

    @Test
    void sameSeedSameTextAlsoWhenBatched() {
        SamplingParams seeded = SamplingParams.builder()
                .maxTokens(40)
                .temperature(1.0f)
                .topP(0.95f)
                .seed(42L)
                .build();
        GenerationRequest req = GenerationRequest.of(Prompt.text("Once upon a time"), seeded);
        String alone = engine.generate(req).text();
        List<GenerationHandle> noise = new ArrayList<>();
        for (String p : PROMPTS)
            noise.add(engine.submit(
                    GenerationRequest.of(
                            Prompt.text(p),
                            SamplingParams.builder()
                                    .maxTokens(40)
                                    .temperature(1.0f)
                                    .build()),
                    null));
        String batched = engine.submit(req, null).result().join().text();
        noise.forEach(h -> h.result().join());
        assertThat(batched).isEqualTo(alone);
        String otherSeed = engine.generate(GenerationRequest.of(
                        Prompt.text("Once upon a time"),
                        seeded.toBuilder().seed(7L).build()))
                .text();
        assertThat(otherSeed).isNotEqualTo(alone);
    }

    @Test
    void stopStringEndsTextAndIsNeverStreamed() {
        List<String> deltas = new CopyOnWriteArrayList<>();
        SamplingParams p = SamplingParams.builder()
                .maxTokens(60)
                .temperature(0)
                .stop(List.of("Lily"))
                .build();
        GenerationResult r = engine.submit(
                        GenerationRequest.of(Prompt.text("Once upon a time"), p), new GenerationListener() {
                            @Override
                            public void onToken(TokenEvent e) {
                                deltas.add(e.textDelta());
                            }
                        })
                .result()
                .join();
        assertThat(r.text()).isEqualTo(", there was a little girl named ");
        assertThat(String.join("", deltas)).isEqualTo(r.text()).doesNotContain("Lil");
        assertThat(r.first().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void nChoicesShareThePromptAndDiffer() {
        SamplingParams p = SamplingParams.builder()
                .maxTokens(30)
                .temperature(1.0f)
                .seed(3L)
                .build();
        GenerationResult r = engine.generate(
                GenerationRequest.of(Prompt.text("Once upon a time"), p).withN(3));
        assertThat(r.choices()).hasSize(3);
        assertThat(r.choices()).extracting(ChoiceResult::index).containsExactly(0, 1, 2);
        assertThat(r.choices().stream().map(ChoiceResult::text).distinct().count())
                .isGreaterThan(1);
        assertThat(r.usage().completionTokens()).isEqualTo(90);
        GenerationResult again = engine.generate(
                GenerationRequest.of(Prompt.text("Once upon a time"), p).withN(3));
        assertThat(again.choices())
                .extracting(ChoiceResult::text)
                .containsExactlyElementsOf(
                        r.choices().stream().map(ChoiceResult::text).toList());
    }

    @Test
    void logprobsReportTheGreedyTokenAsMostLikely() {
        SamplingParams p = SamplingParams.builder()
                .maxTokens(6)
                .temperature(0)
                .logprobs(true)
                .topLogprobs(3)
                .build();
        GenerationResult r = engine.generate(GenerationRequest.of(Prompt.text("Once upon a time"), p));
        assertThat(r.first().logprobs()).hasSize(6);
        for (TokenLogprob lp : r.first().logprobs()) {
            assertThat(lp.logprob()).isLessThanOrEqualTo(0f);
            assertThat(lp.top()).hasSize(3);
            assertThat(lp.top().get(0).tokenId()).isEqualTo(lp.tokenId());
            assertThat(lp.top().get(0).logprob())
                    .isGreaterThanOrEqualTo(lp.top().get(1).logprob());
        }
    }

    @Test
    void logitBiasStopTokensAndPenaltiesSteerTheOutput() {
        int lily = engine.encode("Lily")[0];
        SamplingParams forced = SamplingParams.builder()
                .maxTokens(5)
                .temperature(0)
                .logitBias(java.util.Map.of(lily, 100f))
                .build();
        assertThat(engine.generate(GenerationRequest.of(Prompt.text("Once upon a time"), forced))
                        .first()
                        .tokenIds())
                .containsOnly(lily);
        int comma = engine.generate(greedy("Once upon a time", 1)).first().tokenIds()[0];
        SamplingParams stopAtFirst = SamplingParams.builder()
                .maxTokens(20)
                .temperature(0)
                .stopTokenIds(java.util.Set.of(comma))
                .build();
        GenerationResult stopped = engine.generate(GenerationRequest.of(Prompt.text("Once upon a time"), stopAtFirst));
        assertThat(stopped.first().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.text()).isEmpty();
        String plain = engine.generate(greedy("Once upon a time", 60)).text();
        SamplingParams penalized = SamplingParams.builder()
                .maxTokens(60)
                .temperature(0)
                .frequencyPenalty(2f)
                .presencePenalty(2f)
                .build();
        assertThat(engine.generate(GenerationRequest.of(Prompt.text("Once upon a time"), penalized))
                        .text())
                .isNotEqualTo(plain);
    }

    @Test
    void promptOverContextIsAClearError() {
        String longPrompt = "Once upon a time ".repeat(200);
        assertThatThrownBy(() -> engine.submit(greedy(longPrompt, 10), null))
                .isInstanceOf(ContextLengthExceededException.class)
                .hasMessageContaining("maximum context length is 512");
        assertThatThrownBy(() -> engine.submit(greedy("Hi", 0), null))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("max_tokens");
    }

    @Test
    void secondTurnReusesCachedPrefix() {
        String history = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                + "One day, she saw a big dog.";
        GenerationResult first = engine.generate(greedy(history, 8));
        GenerationResult second = engine.generate(greedy(history + first.text() + " The dog", 8));
        assertThat(second.usage().cachedTokens()).isGreaterThanOrEqualTo(32);
        GenerationResult cold = Engine.create(
                        model,
                        EngineConfig.builder()
                                .kvCacheTokens(4096)
                                .prefixCaching(false)
                                .build())
                .generate(greedy(history + first.text() + " The dog", 8));
        assertThat(second.text()).isEqualTo(cold.text());
    }

    @Test
    void randomSubmitsAndCancelsLeaveThePoolEmpty() throws Exception {
        Random rnd = new Random(1);
        List<GenerationHandle> handles = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String p = PROMPTS[rnd.nextInt(PROMPTS.length)];
            SamplingParams sp = SamplingParams.builder()
                    .maxTokens(1 + rnd.nextInt(12))
                    .temperature(rnd.nextFloat())
                    .seed((long) i)
                    .build();
            GenerationHandle h =
                    engine.submit(GenerationRequest.of(Prompt.text(p), sp).withN(1 + rnd.nextInt(2)), null);
            handles.add(h);
            if (rnd.nextInt(3) == 0) handles.get(rnd.nextInt(handles.size())).cancel();
        }
        for (GenerationHandle h : handles) h.result().get(60, TimeUnit.SECONDS);
        awaitIdle(engine);
        assertThat(engine.stats().kvBlocksUsed()).isZero();
        assertThat(engine.stats().runningSequences()).isZero();
        assertThat(engine.stats().waitingSequences()).isZero();
    }

    @Test
    void fullQueueIsAnOverloadSignalNotAWait() {
        try (Engine small = Engine.create(
                model,
                EngineConfig.builder()
                        .kvCacheTokens(1024)
                        .maxWaitingRequests(4)
                        .maxRunningSequences(1)
                        .build())) {
            List<GenerationHandle> accepted = new ArrayList<>();
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 50; i++) accepted.add(small.submit(greedy("Once upon a time", 200), null));
                    })
                    .isInstanceOf(OverloadedException.class)
                    .hasMessageContaining("capacity");
            assertThat(accepted.size()).isBetween(4, 49);
            accepted.forEach(GenerationHandle::cancel);
            accepted.forEach(h -> assertThat(h.result().join().first().finishReason())
                    .isIn(FinishReason.CANCELLED, FinishReason.LENGTH));
        }
    }

    /**
     * A listener that throws in onStarted cancels its request while its first chunk is already planned: the step still
     * runs, but the cancelled sequence's blocks are free again and must not be published to the prefix cache (a free
     * block in the cache was handed to two sequences at once).
     */
    @Test
    void aRequestCancelledAsItStartsLeavesNoFreeBlockInThePrefixCache() {
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
                + " One day, she saw a big dog";
        String other = "Tom and Lily went to the park. They played with a red ball and ran on the green grass all day";
        assertThat(engine.promptTokens(Prompt.text(prompt)).length).isGreaterThan(32); // two full blocks of 16
        String expected = engine.generate(greedy(prompt, 100)).text(),
                expectedOther = engine.generate(greedy(other, 100)).text();
        try (Engine e = Engine.create(
                model,
                EngineConfig.builder()
                        .kvCacheTokens(256)
                        .blockSize(16)
                        .maxBatchTokens(64)
                        .build())) {
            GenerationResult cancelled = e.submit(greedy(prompt, 100), new GenerationListener() {
                        @Override
                        public void onStarted() {
                            throw new IllegalStateException("client gone");
                        }
                    })
                    .result()
                    .join();
            assertThat(cancelled.first().finishReason()).isEqualTo(FinishReason.CANCELLED);
            var same = e.submit(greedy(prompt, 100), null);
            var different = e.submit(greedy(other, 100), null);
            assertThat(same.result().join().first().finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(same.result().join().text()).isEqualTo(expected);
            assertThat(different.result().join().text()).isEqualTo(expectedOther);
            awaitIdle(e);
            assertThat(e.stats().kvBlocksUsed()).isZero();
            assertThat(e.stats().kvBlocksFree()).isEqualTo(e.stats().kvBlocksTotal());
        }
    }

    @Test
    void preemptedSequencesResumeToTheSameGreedyText() throws InterruptedException {
        List<String> alone = new ArrayList<>();
        for (String p : PROMPTS) alone.add(engine.generate(greedy(p, 100)).text());
        ComputeGate gate = ComputeGate.shared();
        try (Engine tight = Engine.create(
                model,
                EngineConfig.builder()
                        .kvCacheTokens(320)
                        .blockSize(16)
                        .prefixCaching(false)
                        .build(),
                gate)) {
            List<GenerationHandle> hs = new ArrayList<>();
            // held while they are submitted: all contend from the first step on, however slowly this thread runs
            try (GateHold hold = new GateHold(gate)) {
                for (String p : PROMPTS) hs.add(tight.submit(greedy(p, 100), null));
            }
            for (int i = 0; i < PROMPTS.length; i++)
                assertThat(hs.get(i).result().join().text()).isEqualTo(alone.get(i));
            awaitIdle(tight);
            assertThat(tight.stats().preemptions()).isGreaterThan(0);
            assertThat(tight.stats().kvBlocksUsed()).isZero();
        }
    }
}
