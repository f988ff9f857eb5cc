package dev.fairway.bench.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Small statistics for the fairness bench. */
final class FairnessStats {
    private FairnessStats() {}

    /** Jain's fairness index: (sum x)^2 / (n * sum x^2); 1 = all equal, 1/n = one gets everything. */
    static double jain(double... xs) {
        double sum = 0, sq = 0;
        for (double x : xs) {
            sum += x;
            sq += x * x;
        }
        return sq == 0 ? 1.0 : sum * sum / (xs.length * sq);
    }

    /** Nearest-rank percentile (p in (0, 100]); NaN when empty. */
    static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) return Double.NaN;
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.size());
        return v.get(Math.min(v.size(), Math.max(1, rank)) - 1);
    }

    /** The 1/5/15-minute load averages (Linux), or "n/a". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }
}
