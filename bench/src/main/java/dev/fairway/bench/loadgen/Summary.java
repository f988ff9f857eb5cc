package dev.fairway.bench.loadgen;

import dev.fairway.testkit.Stats;
import java.util.Arrays;

/** mean and p50/p90/p99 ({@link Stats#percentile}: linear interpolation between closest ranks) of a sample; null when empty. */
public record Summary(int count, Double mean, Double p50, Double p90, Double p99) {

    public static Summary of(double[] values) {
        if (values.length == 0) return new Summary(0, null, null, null, null);
        double[] v = values.clone();
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) sum += x;
        return new Summary(
                v.length,
                sum / v.length,
                Stats.percentileOfSorted(v, 50),
                Stats.percentileOfSorted(v, 90),
                Stats.percentileOfSorted(v, 99));
    }
}
