package dev.fairway.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StepTimeModelTest {
    @Test
    void recoversTheFixedPartAndWhatAPositionCostsFromNoisyStepTimes() {
        // 6 ms per step, 1 ms per row, 1 ms per 900 positions, +-5% noise; steps of decodes and of prefill chunks
        StepTimeModel m = new StepTimeModel();
        Random rnd = new Random(1);
        for (int i = 0; i < 400; i++) {
            int rows = i % 3 == 0 ? 8 : 8 + 4 + rnd.nextInt(12);
            double positions = rows * (100 + rnd.nextInt(2000));
            double ms = (6 + rows + positions / 900) * (0.95 + 0.1 * rnd.nextDouble());
            m.observe(rows, positions, Math.round(ms * 1e6));
            if (i < StepTimeModel.MIN_OBSERVATIONS - 1) assertThat(m.ready()).isFalse();
        }
        assertThat(m.ready()).isTrue();
        assertThat(m.positionsPerRow()).isCloseTo(900, within(90.0));
        assertThat(m.fixedRows()).isCloseTo(6, within(1.5));
    }

    @Test
    void aFitThatMakesNoPhysicalSenseIsNotUsed() {
        // every step the same shape: the three parameters cannot be told apart, and a row that saves time is refused
        StepTimeModel m = new StepTimeModel();
        for (int i = 0; i < 100; i++) m.observe(10 - i % 2, 1000, Math.round((20 - 5 * (10 - i % 2)) * 1e6));
        assertThat(m.ready()).isFalse();
    }

    @Test
    void theShareShrinksWhenStepsWithPrefillRunLongAndGrowsWhenTheyRunShort() {
        PrefillShare share = new PrefillShare();
        for (int i = 0; i < 10; i++) share.observe(8, 0, 0, 40_000_000, 0); // decode-only steps: 40 ms
        double start = share.share();
        for (int i = 0; i < 10; i++) share.observe(8, start * 8, start * 8, 120_000_000, 0); // 3x: too long
        assertThat(share.share()).isLessThan(start);
        double low = share.share();
        for (int i = 0; i < 10; i++) share.observe(8, low * 8, low * 8, 44_000_000, 0); // 1.1x: room to spare
        assertThat(share.share()).isGreaterThan(low);
        // a slow step the share did not size (a short prompt that went whole: 5x its allowance) changes nothing
        double before = share.share();
        share.observe(8, 5 * before * 8, before * 8, 400_000_000, 0);
        assertThat(share.share()).isEqualTo(before);
        // the step time model's prediction of the decodes alone, when it has one, is the reference
        share.observe(8, before * 8, before * 8, 400_000_000, 100_000_000);
        assertThat(share.share()).isLessThan(before);
    }
}
