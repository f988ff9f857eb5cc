package dev.fairway.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduler's plan as a value, and the statuses it moves sequences through. */
class StepPlanTest {

    @Test
    void aPlanSaysWhichChunksDecodeWhichPrefillAndWhichSample() {
        SchedulerHarness h = SchedulerHarness.fair(64, 32);
        SchedulerHarness.Job decoder = h.submit("a", "", 1.0, 10, 100);
        h.run(3); // prefilled, then decoding
        SchedulerHarness.Job prompt = h.submit("b", "", 1.0, 200, 5);

        StepPlan plan = h.scheduler.schedule();
        assertThat(plan.decodes()).singleElement().satisfies(c -> {
            assertThat(c.sequence()).isSameAs(decoder.seq);
            assertThat(c.tokens()).isEqualTo(1);
            assertThat(c.start()).isEqualTo(decoder.seq.length() - 1);
            assertThat(c.samples()).isTrue();
        });
        assertThat(plan.prefills()).singleElement().satisfies(c -> {
            assertThat(c.sequence()).isSameAs(prompt.seq);
            assertThat(c.start()).isZero();
            // next to a running decode, a long prompt gets the prefill share of the decode's cost (unmeasured: once it)
            assertThat(c.tokens()).isEqualTo(1);
            assertThat(c.samples()).isFalse(); // the prompt is not done: no logits wanted yet
        });
        assertThat(plan.rows()).isEqualTo(2);
        assertThat(plan.promptTokens()).isEqualTo(1);
        assertThat(plan.preempted()).isEmpty();
        assertThat(prompt.seq.status()).isEqualTo(RequestStatus.RUNNING);
    }

    @Test
    void statusesFollowASequenceThroughPreemptionToItsEnd() {
        // 40 blocks of 16: the heavy user's growing sequence is preempted when the light user's needs blocks
        SchedulerHarness h = new SchedulerHarness(new VirtualTokenCounter(0.5), 40, 16, 256, 8, false);
        SchedulerHarness.Job heavy = h.submit("heavy", "h0", 1.0, 60, 300);
        assertThat(heavy.seq.status()).isEqualTo(RequestStatus.WAITING);
        h.run(30);
        assertThat(heavy.seq.status()).isEqualTo(RequestStatus.RUNNING);
        h.submit("light", "l0", 1.0, 60, 300);
        h.submit("heavy", "h1", 1.0, 60, 300);
        StepPlan withPreemption = null;
        for (int i = 0; i < 400 && withPreemption == null; i++) {
            StepPlan plan = h.scheduler.schedule();
            if (!plan.preempted().isEmpty()) withPreemption = plan;
            h.scheduler.afterStep(plan);
            for (StepPlan.Chunk c : plan.chunks()) if (c.samples()) c.sequence().append(7);
        }
        assertThat(withPreemption).as("a step that preempted").isNotNull();
        for (Sequence s : withPreemption.preempted()) {
            assertThat(s.status()).isEqualTo(RequestStatus.PREEMPTED); // back in the queue, to be recomputed
            assertThat(s.status().isWaiting()).isTrue();
            assertThat(s.table.size()).isZero();
            assertThat(withPreemption.chunks()).noneMatch(c -> c.sequence() == s);
            assertThat(s.preemptions()).isPositive();
        }
        Sequence victim = withPreemption.preempted().get(0);
        h.scheduler.finish(victim, RequestStatus.FINISHED_ABORTED);
        assertThat(victim.status()).isEqualTo(RequestStatus.FINISHED_ABORTED);
        assertThat(victim.status().isFinished()).isTrue();
        assertThat(victim.table.size()).isZero();
    }

    @Test
    void finishingNeedsAFinishedStatusAndChunksStayInsideTheirSequence() {
        SchedulerHarness h = SchedulerHarness.fair(64, 32);
        SchedulerHarness.Job j = h.submit("a", "", 1.0, 10, 5);
        assertThatThrownBy(() -> h.scheduler.finish(j.seq, RequestStatus.RUNNING))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepPlan.Chunk(j.seq, 5, 6, false, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepPlan.Chunk(j.seq, 0, 0, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(StepPlan.EMPTY.isEmpty()).isTrue();
        assertThat(new StepPlan(List.of(), List.of()).rows()).isZero();
    }
}
