package dev.fairway.testkit;

import java.util.Arrays;
import java.util.List;

/**
 * The statistics every benchmark reports, defined once.
 *
 * <p>Percentile: linear interpolation between the two closest ranks of the sorted sample (Hyndman and Fan's type 7,
 * the default of numpy, pandas and spreadsheets' PERCENTILE.INC): rank = p / 100 * (n - 1), p in [0, 100], so p0 is
 * the minimum, p50 the median (the mean of the middle two for even n) and p100 the maximum. NaN for an empty sample.
 * Chosen over nearest-rank because readers compare against numpy, and because a p50 of two values should not depend
 * on which of them a rank rounds to.
 *
 * <p>Jain's fairness index: (sum x)^2 / (n * sum x^2); 1 = equal shares, 1/n = one gets everything. All zeros is 1.0:
 * equal shares (of nothing), which is also what the engine's own gauge (fairway_fairness_index) reports for an idle
 * engine. A report that must say "nobody was served" checks that itself. NaN for an empty input.
 */
public final class Stats {
    private Stats() {}

    /** The p-th percentile (p in [0, 100]) of {@code values} in any order; NaN when empty. */
    public static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return percentileOfSorted(sorted, p);
    }

    /** The p-th percentile (p in [0, 100]) of {@code values} in any order; NaN when empty. */
    public static double percentile(List<? extends Number> values, double p) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) v[i] = values.get(i).doubleValue();
        return percentile(v, p);
    }

    /** The p-th percentile (p in [0, 100]) of values already sorted ascending; NaN when empty. */
    public static double percentileOfSorted(double[] sorted, double p) {
        if (p < 0 || p > 100 || Double.isNaN(p))
            throw new IllegalArgumentException("percentile " + p + " is not in [0, 100]");
        if (sorted.length == 0) return Double.NaN;
        if (sorted.length == 1) return sorted[0];
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Jain's fairness index of the shares {@code x}: 1.0 when all are zero, NaN when there are none. */
    public static double jain(double... x) {
        if (x.length == 0) return Double.NaN;
        double sum = 0, sq = 0;
        for (double v : x) {
            sum += v;
            sq += v * v;
        }
        return sq == 0 ? 1.0 : sum * sum / (x.length * sq);
    }
}
