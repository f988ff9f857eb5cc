package dev.fairway.cli.options;

import java.io.PrintStream;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * --weights and --threads, defined once: every command that runs the engine takes them. bench engine and bench
 * fairness take only these (they generate their own weights and size each engine per scenario); serve, chat and
 * bench gateway take them with the rest of {@link EngineOptions}. Each option has a FAIRWAY_* environment twin.
 */
public class ComputeOptions {
    /** Where deprecation notes go; replaced in tests. */
    static PrintStream notes = System.err;

    @Option(
            names = "--weights",
            paramLabel = "TYPE",
            defaultValue = "${env:FAIRWAY_WEIGHTS}",
            description =
                    "Q4, Q8 or F32: quantize or expand on load; unset keeps the stored type (env FAIRWAY_WEIGHTS).")
    String weights;

    @Option(
            names = "--threads",
            defaultValue = "${env:FAIRWAY_THREADS:-0}",
            description = "Compute threads, 0 = all cores (env FAIRWAY_THREADS, default ${DEFAULT-VALUE}).")
    int threads;

    /**
     * The spelling `serve` and `bench gateway` had; still accepted. Kept apart from {@link #weights}: picocli sets the
     * defaults of options not on the command line after parsing, which would overwrite it.
     */
    private String weightType;

    @Option(names = "--weight-type", paramLabel = "TYPE", hidden = true, description = "Deprecated: use --weights.")
    void weightType(String type) {
        notes.println("fairway: --weight-type is deprecated; use --weights " + type);
        weightType = type;
    }

    /** The weight type to load as, upper case, or null to keep the stored type. */
    public String weights() {
        String w = weightType != null ? weightType : weights;
        if (w == null && System.getenv("FAIRWAY_WEIGHT_TYPE") != null) {
            notes.println("fairway: FAIRWAY_WEIGHT_TYPE is deprecated; use FAIRWAY_WEIGHTS");
            w = weightType = System.getenv("FAIRWAY_WEIGHT_TYPE");
        }
        return w == null || w.isBlank() ? null : w.toUpperCase(Locale.ROOT);
    }

    /** --threads as given: 0 means all cores. */
    public int threads() {
        return threads;
    }

    /** The thread count the engine will use. */
    public int threadsOrCores() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
