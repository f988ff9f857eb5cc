package dev.fairway.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fairway.engine.model.ModelConfig;
import dev.fairway.testkit.Stats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The step budget counted in {@link StepCostModel} units: deep rows cost more, on the real Scheduler (fake model and clock). */
class SchedulerCostBudgetTest {
    /** SmolLM2-135M's shape: the model of bench scenario (b). */
    static final ModelConfig SMOLLM2 = new ModelConfig(
            "llama", 576, 30, 9, 3, 64, 1536, 49152, 1e-5f, 100000, null, 8192, true, false, false, 1, Set.of(2));

    static final StepCostModel COST = StepCostModel.of(SMOLLM2);

    private static SchedulerHarness harness(FairnessPolicy policy, StepCostModel cost, int budget) {
        return new SchedulerHarness(policy, cost, 4096, 16, budget, 32, false);
    }

    private static int tokensOf(List<StepPlan.Chunk> plan, Sequence s) {
        return plan.stream()
                .filter(c -> c.sequence() == s)
                .mapToInt(StepPlan.Chunk::tokens)
                .sum();
    }

    @Test
    void smolLm2RowAtPosition2000CostsAboutHalfAgainAFreshOne() {
        // weights 134.5M MACs per token (incl. LM head) / attention 30 layers x 9 heads x 64 x 2 = 34,560 per position
        assertThat(COST.positionsPerUnit()).isCloseTo(134_479_872 / 34_560.0, within(1e-6));
        assertThat(COST.row(0)).isEqualTo(1.0);
        assertThat(COST.row(2000)).isCloseTo(1.514, within(0.001));
        assertThat(COST.chunk(100, 3)).isCloseTo(COST.row(100) + COST.row(101) + COST.row(102), within(1e-9));
        assertThat(StepCostModel.FLAT.chunk(5000, 7)).isEqualTo(7.0);
    }

    @Test
    void aDeepPrefillChunkIsSmallerThanAShallowOneUnderTheSameBudget() {
        SchedulerHarness h = harness(new VirtualTokenCounter(0.5), COST, 64);
        SchedulerHarness.Job j = h.submit("u", "c", 1.0, 2000, 1);
        List<Integer> chunks = new ArrayList<>();
        while (j.firstTokenStep < 0) chunks.add(tokensOf(h.step(), j.seq));
        assertThat(chunks.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2000);
        // rows 0..62 cost 63.5 units, 64 rows would cost 64.5; around position 1,950 a row costs ~1.5
        assertThat(chunks.get(0)).isEqualTo(63);
        assertThat(chunks.get(chunks.size() - 2)).isBetween(42, 44);
        for (int i = 1; i < chunks.size() - 1; i++) assertThat(chunks.get(i)).isLessThanOrEqualTo(chunks.get(i - 1));
        assertThat(h.maxPlanCost).isLessThanOrEqualTo(64 + 1e-9);
        // a flat budget (tokens) takes 64 per step wherever the chunk is
        SchedulerHarness flat = harness(new VirtualTokenCounter(0.5), StepCostModel.FLAT, 64);
        SchedulerHarness.Job f = flat.submit("u", "c", 1.0, 2000, 1);
        flat.run(30);
        assertThat(tokensOf(flat.step(), f.seq)).isEqualTo(64);
    }

    /**
     * A CPU where the cost model is wrong the way the bench found it: a deep row's attention costs 4x what {@code 1 +
     * p/P} says, and every step has a fixed part (reading the weights) worth 6 fresh rows. Nanoseconds; a fresh row = 1
     * ms.
     */
    private static long cpu(List<StepPlan.Chunk> plan) {
        double ms = 6;
        for (StepPlan.Chunk c : plan)
            for (int p = c.start(); p < c.end(); p++) ms += 1 + 4 * p / COST.positionsPerUnit();
        return Math.round(ms * 1e6);
    }

    @Test
    void aLongPromptNextToRunningStreamsKeepsTheirStepsUnderTwiceADecodeStepAndItsTtftWithin3xAlone() {
        // bench scenario (b): 8 streams (24-token prompts, 256 output tokens, re-submitting; staggered so they do not
        // all re-prefill in the same steps), a 2,000-token prompt arrives; cost budget 12. The cost model and the
        // share are steered by the simulated step times: steps carrying the prompt take <= 2x a decode-only step once
        // settled, every decode gets its token in every step, and the prompt's first token comes within 3x its time
        // alone, under either policy. FAIR serves the streams' re-submitted prompts before the newcomer's (its user
        // has been charged for its prefill), FCFS makes them wait behind it: the prompt's TTFT is longer under FAIR.
        SchedulerHarness alone = harness(new VirtualTokenCounter(0.5), COST, 12);
        alone.clock = SchedulerCostBudgetTest::cpu;
        SchedulerHarness.Job solo = alone.submit("newcomer", "x", 1.0, 2000, 5);
        while (solo.firstTokenStep < 0) alone.step();
        long aloneNanos = alone.elapsedNanos;
        for (FairnessPolicy policy : List.of(new VirtualTokenCounter(0.5), new FcfsPolicy(0.5))) {
            String name = policy.getClass().getSimpleName();
            SchedulerHarness h = harness(policy, COST, 12);
            h.clock = SchedulerCostBudgetTest::cpu;
            for (int i = 0; i < 8; i++) {
                h.stream("u" + i, "c", 1.0, 24, 256);
                h.run(32);
            }
            h.run(350);
            long start = h.elapsedNanos;
            SchedulerHarness.Job longOne = h.submit("newcomer", "x", 1.0, 2000, 5);
            int steps = 0;
            List<Double> settled = new ArrayList<>();
            while (longOne.firstTokenStep < 0) {
                List<Sequence> decoding = h.jobs.keySet().stream()
                        .filter(s -> s.isRunning() && s.isDecoding())
                        .toList();
                List<StepPlan.Chunk> plan = h.step(); // checks the plan's cost against the step's budget
                steps++;
                for (Sequence d : decoding)
                    assertThat(tokensOf(plan, d)).as("%s step %d", name, steps).isEqualTo(1);
                // steps where only the long prompt prefills (a stream's re-submitted 24-token prompt goes whole)
                boolean onlyLong = plan.stream().allMatch(c -> c.decode() || c.sequence() == longOne.seq);
                List<StepPlan.Chunk> decodes =
                        plan.stream().filter(StepPlan.Chunk::decode).toList();
                double ratio = h.lastStepNanos / (double) cpu(decodes);
                if (steps > 20 && !decodes.isEmpty() && onlyLong && tokensOf(plan, longOne.seq) > 0) settled.add(ratio);
            }
            double p99 = Stats.percentile(settled, 99), worst = Collections.max(settled);
            long ttft = h.elapsedNanos - start;
            System.out.printf(
                    "time-steered share, %s: TTFT %.1f s (alone %.1f s) in %d steps, settled steps p99 %.2fx and"
                            + " worst %.2fx a decode-only one, share now %.2f%n",
                    name, ttft / 1e9, aloneNanos / 1e9, steps, p99, worst, h.scheduler.prefillShare());
            assertThat(p99).as(name).isBetween(1.2, 2.0);
            assertThat(worst).as(name).isLessThan(2.5);
            assertThat(ttft).as(name).isLessThanOrEqualTo(3 * aloneNanos);
        }
    }

    @Test
    void aShortPromptGoesWholeNextToRunningDecodes() {
        // a 40-token prompt is under the burst limit: one step, although its cost is several times the decodes' share
        SchedulerHarness h = harness(new VirtualTokenCounter(0.5), COST, 256);
        for (int i = 0; i < 2; i++) h.stream("u" + i, "c", 1.0, 8, 500);
        h.run(20);
        SchedulerHarness.Job shortOne = h.submit("newcomer", "x", 1.0, 40, 3);
        h.step();
        assertThat(shortOne.firstTokenStep).isEqualTo(h.step - 1);
        // a 200-token one is not: it gets the share of the two decodes' cost per step
        SchedulerHarness.Job longOne = h.submit("other", "x", 1.0, 200, 3);
        assertThat(tokensOf(h.step(), longOne.seq)).isBetween(1, 3);
    }

    @Test
    void theReservationForLaterDecodesNeverStarvesAPrefill() {
        // budget 9 with 8 decodes ranked after the newcomer: they reserve ~8.1 of the 9 units, less than one row; the
        // prompt's guaranteed share (unmeasured, once the decodes' cost) still gives it ~8 rows per step, and every
        // decode its
        // token. (Prefill weight 0 keeps the newcomer's counter lowest, so it is ranked first in every step.)
        SchedulerHarness h = harness(new VirtualTokenCounter(0), COST, 9);
        List<SchedulerHarness.Job> decoders = new ArrayList<>();
        for (int i = 0; i < 8; i++) decoders.add(h.submit("u" + i, "c", 1.0, 24, 5000));
        for (int t = 0; t < 500 && !decoders.stream().allMatch(j -> j.seq.isDecoding()); t++) h.step(); // ~70 steps
        assertThat(decoders).allMatch(j -> j.seq.isDecoding());
        SchedulerHarness.Job longOne = h.submit("newcomer", "x", 1.0, 300, 1);
        int steps = 0;
        while (longOne.finishedStep < 0) {
            List<StepPlan.Chunk> plan = h.step();
            assertThat(tokensOf(plan, longOne.seq)).isPositive();
            for (SchedulerHarness.Job d : decoders)
                assertThat(tokensOf(plan, d.seq)).isEqualTo(1);
            steps++;
        }
        assertThat(steps).isLessThanOrEqualTo(300 / 7 + 2);
    }

    @Test
    void aBudgetBelowOneDeepRowStillRunsOneRowPerStep() {
        StepCostModel steep = new StepCostModel(10); // a row at position 100 costs 11
        SchedulerHarness h = harness(new VirtualTokenCounter(0.5), steep, 4);
        SchedulerHarness.Job a = h.submit("a", "c", 1.0, 100, 20);
        SchedulerHarness.Job b = h.submit("b", "c", 1.0, 100, 20);
        h.runUntilIdle(1000);
        assertThat(a.seq.generated()).isEqualTo(20);
        assertThat(b.seq.generated()).isEqualTo(20);
    }

    @Test
    void randomLoadUnderASteepCostModelFinishesAndChargesTokens() {
        // fractional costs, skipped decodes, preemption under a small pool: everything finishes, no blocks leak, and
        // the policy is still charged one token per fed token (fairness stays in tokens)
        SchedulerMechanicsTest.Recording rec = new SchedulerMechanicsTest.Recording(new VirtualTokenCounter(0.5));
        SchedulerHarness h = new SchedulerHarness(rec, new StepCostModel(40), 60, 8, 24, 16, true);
        Random rnd = new Random(5);
        List<SchedulerHarness.Job> all = new ArrayList<>();
        for (int t = 0; t < 2000; t++) {
            if (rnd.nextInt(5) == 0) {
                all.add(h.submit(
                        "u" + rnd.nextInt(4),
                        "c" + rnd.nextInt(2),
                        1 + rnd.nextInt(2),
                        4 + rnd.nextInt(60),
                        1 + rnd.nextInt(40)));
            }
            h.step();
        }
        h.runUntilIdle(100_000);
        System.out.println("steep cost random load: " + all.size() + " requests, " + h.scheduler.preemptions()
                + " preemptions, " + h.step + " steps");
        assertThat(all).allMatch(j -> j.finishedStep >= 0 && j.seq.generated() == j.maxTokens);
        assertThat(h.pool.used()).isZero();
        assertThat(h.pool.allReleased()).isTrue();
        assertThat(h.scheduler.preemptions()).isGreaterThan(0);
        assertThat(rec.prefill + rec.decode).isEqualTo(h.totalPlanned);
        // unmeasured, the prefill share stays at its initial value: a step with prefill costs at most 1 + that times
        // its decodes, the decodes at most the budget (the harness checks each plan against its step's budget)
        assertThat(h.maxPlanCost).isLessThanOrEqualTo((1 + PrefillShare.INITIAL) * 24 + 1e-9);
    }
}
