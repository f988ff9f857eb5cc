package dev.fairway.bench.loadgen;

import java.util.Arrays;

/** mean and p50/p90/p99 (linear interpolation between closest ranks) of a sample; null when empty. */
public record Summary(int count, Double mean, Double p50, Double p90, Double p99) {

    public static Summary of(double[] values) {
        if (values.length == 0) return new Summary(0, null, null, null, null);
        double[] v = values.clone();
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) sum += x;
        return new Summary(v.length, sum / v.length, percentile(v, 50), percentile(v, 90), percentile(v, 99));
    }

    /** p in [0,100] of sorted values. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 1) return sorted[0];
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Jain's fairness index (sum x)^2 / (n * sum x^2): 1 = equal shares, 1/n = one gets all. NaN when empty or all zero. */
    public static double jain(double[] x) {
        double sum = 0, sq = 0;
        for (double v : x) {
            sum += v;
            sq += v * v;
        }
        return (x.length == 0 || sq == 0) ? Double.NaN : sum * sum / (x.length * sq);
    }
}
