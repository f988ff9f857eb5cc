package dev.fairway.bench.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load for the fairness bench's report (its statistics come from {@link dev.fairway.testkit.Stats}). */
final class FairnessStats {
    private FairnessStats() {}

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
