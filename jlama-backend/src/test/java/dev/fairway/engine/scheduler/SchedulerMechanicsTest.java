package dev.fairway.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Chunked prefill, preemption and block accounting on the real Scheduler with a fake model and clock. */
class SchedulerMechanicsTest {

    @Test
    void longPromptIsChunkedAndRunningDecodesGetATokenEveryStep() {
        for (FairnessPolicy policy : List.of(new VirtualTokenCounter(0.5), new FcfsPolicy(0.5))) {
            SchedulerHarness h = new SchedulerHarness(policy, 4096, 16, 64, 32, false);
            List<SchedulerHarness.Job> decoders = new ArrayList<>();
            for (int i = 0; i < 8; i++) decoders.add(h.submit("u" + i, "c", 1.0, 12, 400));
            h.run(20); // all prefilled and decoding
            assertThat(decoders).allMatch(j -> j.seq.isDecoding());
            // a fresh user (ranked first by VTC after its lift: lowest counter) sends a 2000-token prompt
            SchedulerHarness.Job longOne = h.submit("newcomer", "x", 1.0, 2000, 5);
            int steps = 0;
            while (longOne.firstTokenStep < 0) {
                List<StepPlan.Chunk> plan = h.step();
                steps++;
                int longTokens = plan.stream()
                        .filter(c -> c.sequence() == longOne.seq)
                        .mapToInt(StepPlan.Chunk::tokens)
                        .sum();
                assertThat(longTokens).isLessThanOrEqualTo(64 - 8);
                for (SchedulerHarness.Job d : decoders) {
                    assertThat(plan)
                            .as("%s step %d", policy.getClass().getSimpleName(), steps)
                            .anyMatch(c -> c.sequence() == d.seq && c.tokens() == 1);
                }
            }
            // 8 tokens per step (the unmeasured prefill share: once the 8 decodes' cost) until 64 are left, which is
            // short enough to go whole if the budget holds it: 56 (64 less the decodes), then the last 8
            assertThat(steps).isEqualTo((2000 - 64) / 8 + 2);
            for (SchedulerHarness.Job d : decoders) assertThat(d.maxGap).isEqualTo(1);
            assertThat(h.maxPlanTokens).isEqualTo(64);
        }
    }

    @Test
    void aLongPromptAloneUsesTheWholeBudget() {
        SchedulerHarness h = SchedulerHarness.fair(64, 32);
        SchedulerHarness.Job j = h.submit("u", "c", 1.0, 2000, 1);
        List<Integer> chunks = new ArrayList<>();
        while (j.finishedStep < 0) chunks.add(h.step().get(0).tokens());
        assertThat(chunks).hasSize(32).allMatch(t -> t <= 64);
        assertThat(chunks.subList(0, 31)).containsOnly(64);
    }

    @Test
    void preemptedSequencesResumeAndEveryStreamIsContinuous() {
        // 160 blocks x 16 = 2560 slots; 24 requests of 40 + 120 tokens need 24 * 10 = 240 blocks at their end.
        SchedulerHarness h = new SchedulerHarness(new VirtualTokenCounter(0.5), 160, 16, 128, 64, false);
        List<SchedulerHarness.Job> jobs = new ArrayList<>();
        for (int i = 0; i < 24; i++) jobs.add(h.submit("u" + (i % 4), "c" + i, 1.0, 40, 120));
        h.runUntilIdle(20_000);
        assertThat(h.scheduler.preemptions()).isGreaterThan(0);
        for (SchedulerHarness.Job j : jobs) {
            assertThat(j.finishedStep).isGreaterThanOrEqualTo(0);
            assertThat(j.seq.generated()).isEqualTo(120);
            // the stream is continuous: exactly the tokens the fake model produced at each position, none lost or
            // doubled
            for (int p = 40; p < j.seq.length(); p++) {
                assertThat(j.seq.token(p)).isEqualTo(SchedulerHarness.fakeToken(j.seq, p));
            }
        }
        System.out.println("preemptions per job: "
                + jobs.stream().map(j -> j.seq.preemptions()).toList() + " total " + h.scheduler.preemptions() + " in "
                + h.step + " steps");
        assertThat(jobs.stream().mapToInt(j -> j.seq.preemptions()).max().orElse(0))
                .as("no thrashing")
                .isLessThanOrEqualTo(4);
        assertThat(h.pool.used()).isZero();
        assertThat(h.pool.allReleased()).isTrue();
        System.out.println("preemption: " + h.scheduler.preemptions() + " preemptions, " + h.step + " steps");
    }

    @Test
    void preemptionPicksTheLowestRankedRunningSequence() {
        // user "heavy" has been served a lot; under block pressure its sequence is the one preempted, not "light"'s.
        SchedulerHarness h = new SchedulerHarness(new VirtualTokenCounter(0.5), 40, 16, 256, 8, false);
        h.submit("heavy", "h0", 1.0, 60, 300); // 4 blocks, grows
        h.run(30);
        SchedulerHarness.Job light = h.submit("light", "l0", 1.0, 60, 300);
        SchedulerHarness.Job heavy2 = h.submit("heavy", "h1", 1.0, 60, 300);
        h.run(200);
        assertThat(h.scheduler.preemptions()).isGreaterThan(0);
        assertThat(light.seq.preemptions()).isZero();
        assertThat(light.seq.generated()).isGreaterThan(100);
        assertThat(heavy2.seq.generated()
                        + h.jobs.keySet().stream()
                                .filter(s -> s.user.equals("heavy"))
                                .mapToInt(Sequence::preemptions)
                                .sum())
                .isGreaterThan(0);
    }

    /** Records what the scheduler charges. */
    static final class Recording implements FairnessPolicy {
        final FairnessPolicy inner;
        long prefill, decode;

        Recording(FairnessPolicy inner) {
            this.inner = inner;
        }

        @Override
        public double rank(Sequence s) {
            return inner.rank(s);
        }

        @Override
        public double subRank(Sequence s) {
            return inner.subRank(s);
        }

        @Override
        public void onQueued(Sequence s, Iterable<Sequence> active) {
            inner.onQueued(s, active);
        }

        @Override
        public void charge(Sequence s, int p, int d) {
            prefill += p;
            decode += d;
            inner.charge(s, p, d);
        }

        @Override
        public Map<String, Double> service() {
            return inner.service();
        }
    }

    @Test
    void recomputeAfterPreemptionIsChargedAsPrefillNotAsNewOutput() {
        Recording rec = new Recording(new VirtualTokenCounter(0.5));
        SchedulerHarness h = new SchedulerHarness(rec, 160, 16, 128, 64, false);
        for (int i = 0; i < 24; i++) h.submit("u" + (i % 4), "c" + i, 1.0, 40, 120);
        h.runUntilIdle(20_000);
        assertThat(h.scheduler.preemptions()).isGreaterThan(0);
        // every generated token but the last is fed once as a decode token, whatever was recomputed
        assertThat(rec.decode).isEqualTo(24 * 119);
        // prompts once each, plus the recomputed positions
        assertThat(rec.prefill).isGreaterThan(24 * 40);
        long fed = rec.prefill + rec.decode;
        assertThat(fed).isEqualTo(h.totalPlanned);
    }

    @Test
    void randomWorkloadWithCancelsAndForksNeverLeaksBlocks() {
        Random rnd = new Random(42);
        // prefix caching on, shared prefixes, a small pool (preemption), forks (n > 1) and cancels at any stage
        SchedulerHarness h = new SchedulerHarness(new VirtualTokenCounter(0.5), 40, 8, 48, 32, true);
        int[][] prefixes = new int[4][];
        for (int i = 0; i < prefixes.length; i++) prefixes[i] = h.uniquePrompt(20 + 10 * i);
        List<SchedulerHarness.Job> live = new ArrayList<>();
        int submitted = 0, cancelled = 0, forks = 0;
        Map<Sequence, SchedulerHarness.Job> parents = new HashMap<>();
        while (submitted < 1000 || !h.scheduler.isIdle()) {
            if (submitted < 1000 && rnd.nextInt(2) == 0) {
                int[] base = prefixes[rnd.nextInt(prefixes.length)];
                int extra = rnd.nextInt(30);
                int[] prompt = java.util.Arrays.copyOf(base, base.length + extra + 1);
                for (int k = base.length; k < prompt.length; k++) prompt[k] = 3 + rnd.nextInt(900);
                SchedulerHarness.Job j = h.submit(
                        "u" + rnd.nextInt(5), "c" + rnd.nextInt(3), 1 + rnd.nextInt(2), prompt, 1 + rnd.nextInt(40));
                live.add(j);
                if (rnd.nextInt(5) == 0) parents.put(j.seq, j);
                submitted++;
            }
            if (!live.isEmpty() && rnd.nextInt(6) == 0) {
                SchedulerHarness.Job victim = live.get(rnd.nextInt(live.size()));
                if (!victim.done()) {
                    h.cancel(victim);
                    cancelled++;
                }
            }
            h.step();
            // fork: once a parent has its first token, start a child sharing its blocks (as OutputProcessor does)
            for (var it = parents.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                SchedulerHarness.Job p = e.getValue();
                if (p.done()) {
                    it.remove();
                } else if (p.seq.generated() == 1 && p.seq.isRunning()) {
                    Sequence child = new Sequence(
                            p.seq.id * 1000 + 1,
                            p.seq.user,
                            p.seq.fairnessGroup,
                            p.seq.weight,
                            p.seq.arrivalNanos,
                            java.util.Arrays.copyOf(p.seq.tokens(), p.seq.promptLength));
                    h.scheduler.fork(p.seq, child);
                    SchedulerHarness.Job cj = new SchedulerHarness.Job(child, p.maxTokens, h.step);
                    h.jobs.put(child, cj);
                    live.add(cj);
                    forks++;
                    it.remove();
                }
            }
            live.removeIf(SchedulerHarness.Job::done);
            assertThat(h.pool.used()).isLessThanOrEqualTo(h.pool.total());
            if (h.step > 200_000) throw new AssertionError("did not drain");
        }
        assertThat(h.pool.used()).isZero();
        assertThat(h.pool.allReleased()).isTrue();
        assertThat(h.pool.available()).isEqualTo(h.pool.total());
        assertThat(h.kv.prefixHitTokens()).isGreaterThan(0);
        assertThat(h.scheduler.preemptions()).isGreaterThan(0);
        System.out.println("leak test: " + submitted + " submitted, " + cancelled + " cancelled, " + forks + " forks, "
                + h.scheduler.preemptions() + " preemptions, " + h.step + " steps");
    }

    @Test
    void aSequenceThatNeedsTheWholePoolStillFinishes() {
        // 20 blocks of 16; "big" needs all 20 at its end (the engine accepts prompt + max_tokens up to the pool), while
        // small requests keep arriving and take blocks: big may be preempted, and must still be re-admitted.
        for (FairnessPolicy policy : List.of(new VirtualTokenCounter(0.5), new FcfsPolicy(0.5))) {
            SchedulerHarness h = new SchedulerHarness(policy, 20, 16, 64, 8, false);
            SchedulerHarness.Job big = h.submit("big", "b", 1.0, 100, 220);
            for (int i = 0; i < 3; i++) h.stream("small" + i, "s", 1.0, 20, 30);
            for (int t = 0; t < 20_000 && big.finishedStep < 0; t++) h.step();
            assertThat(big.finishedStep).as(policy.getClass().getSimpleName()).isGreaterThanOrEqualTo(0);
            assertThat(big.seq.generated()).isEqualTo(220);
        }
    }

    @Test
    void blockedAdmissionsDoNotInflatePrefixHitStats() {
        // a waiting request with a cached prefix that cannot be admitted for many steps counts its hit once
        SchedulerHarness h = new SchedulerHarness(new VirtualTokenCounter(0.5), 24, 16, 64, 8, true);
        int[] prefix = h.uniquePrompt(64);
        SchedulerHarness.Job seed = h.submit("u", "c", 1.0, prefix, 1);
        h.runUntilIdle(100); // publishes 3 full blocks (the last token is never a hit)
        long before = h.kv.prefixHitTokens();
        SchedulerHarness.Job hog = h.submit("hog", "h", 1.0, 200, 150); // 22 blocks at its end: the rest cannot fit
        h.run(3);
        int[] again = java.util.Arrays.copyOf(prefix, 200);
        for (int i = 64; i < 200; i++) again[i] = 5 + i;
        SchedulerHarness.Job waiter = h.submit("u", "c2", 1.0, again, 5);
        h.runUntilIdle(10_000);
        assertThat(waiter.finishedStep).isGreaterThan(waiter.submittedStep + 50);
        assertThat(h.kv.prefixHitTokens() - before).isLessThanOrEqualTo(64);
        assertThat(seed.seq.generated()).isEqualTo(1);
        assertThat(hog.seq.generated()).isEqualTo(150);
    }
}
