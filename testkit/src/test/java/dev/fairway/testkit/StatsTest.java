package dev.fairway.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void percentilesInterpolateLikeNumpy() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = 100 - i; // 1..100, unsorted
        // numpy.percentile(range(1, 101), [0, 50, 90, 99, 100]) = 1, 50.5, 90.1, 99.01, 100
        assertThat(Stats.percentile(v, 0)).isEqualTo(1.0);
        assertThat(Stats.percentile(v, 50)).isCloseTo(50.5, within(1e-9));
        assertThat(Stats.percentile(v, 90)).isCloseTo(90.1, within(1e-9));
        assertThat(Stats.percentile(v, 99)).isCloseTo(99.01, within(1e-9));
        assertThat(Stats.percentile(v, 100)).isEqualTo(100.0);
        assertThat(v[0]).as("the input is not sorted in place").isEqualTo(100.0);
    }

    @Test
    void smallSamples() {
        assertThat(Stats.percentile(new double[] {7}, 99)).isEqualTo(7.0);
        assertThat(Stats.percentile(List.of(10L, 20L), 50)).isEqualTo(15.0);
        assertThat(Stats.percentile(List.of(3L, 1L, 2L), 50)).isEqualTo(2.0);
        assertThat(Stats.percentile(new double[0], 50)).isNaN();
        assertThat(Stats.percentile(List.of(), 50)).isNaN();
        assertThatThrownBy(() -> Stats.percentile(new double[] {1}, 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jainIndex() {
        assertThat(Stats.jain(5, 5, 5, 5)).isCloseTo(1.0, within(1e-12));
        assertThat(Stats.jain(10, 0, 0, 0)).isCloseTo(0.25, within(1e-12));
        assertThat(Stats.jain(1, 2)).isCloseTo(9.0 / 10.0, within(1e-12));
        assertThat(Stats.jain(7)).isEqualTo(1.0);
    }

    @Test
    void jainOfAllZerosIsOneAndOfNothingNaN() {
        assertThat(Stats.jain(0, 0)).isEqualTo(1.0);
        assertThat(Stats.jain()).isNaN();
    }
}
