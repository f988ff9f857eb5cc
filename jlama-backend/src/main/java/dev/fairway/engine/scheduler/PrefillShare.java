package dev.fairway.engine.scheduler;

/**
 * How much prefill a step may carry next to running decodes, as a multiple of a decode-only step's cost (the decodes
 * plus the step's fixed part), steered by measured step times so that such a step takes about {@link #TARGET_RATIO}
 * times a decode-only one. The calibrated cost model ({@link StepTimeModel}) gets it close; the feedback absorbs what
 * a linear fit misses (small batches are memory-bound, large ones compute-bound). The share is both the prompt's
 * guarantee (its TTFT stays near {@code (1 + share) / share} times its TTFT alone) and the cap that keeps the running
 * streams' ITL bounded.
 */
final class PrefillShare {
    /** A step carrying prefill aims at this multiple of a decode-only step (the bound is 2; noise needs a margin). */
    static final double TARGET_RATIO = 1.6;

    static final double INITIAL = 1.0;
    static final double MIN = 0.05;
    static final double MAX = 16;

    /** Per observation, the share moves by at most this factor either way: one slow step (GC, a noisy neighbour) is not a trend. */
    private static final double MAX_STEP = 1.25;

    /** Weight of a new decode-only step in the reference time. */
    private static final double ALPHA = 0.1;

    /** The reference applies while the decodes' cost stays within this fraction of what it was measured at. */
    private static final double SAME_DECODES = 0.3;

    private double share = INITIAL;
    private double decodeNanos;
    private double decodeCost;

    double share() {
        return share;
    }

    /**
     * One step that ran: the cost of its decode rows and of its prefill rows (in {@link StepCostModel} units), the
     * prefill cost its share allowed, how long it took, and how long its decodes alone would have taken if the step
     * time model can tell ({@code 0} if not: then the last decode-only steps with about the same decodes are the
     * reference).
     */
    void observe(double decodes, double prefill, double allowance, long nanos, double decodeOnlyNanos) {
        if (decodes <= 0 || nanos <= 0) return; // nothing to protect, or nothing measured
        if (prefill == 0) {
            decodeNanos = decodeNanos == 0 ? nanos : decodeNanos + ALPHA * (nanos - decodeNanos);
            decodeCost = decodeCost == 0 ? decodes : decodeCost + ALPHA * (decodes - decodeCost);
            return;
        }
        double reference = decodeOnlyNanos;
        if (reference <= 0) {
            if (decodeNanos == 0 || Math.abs(decodes / decodeCost - 1) > SAME_DECODES) return; // no reference
            reference = decodeNanos;
        }
        double ratio = nanos / reference;
        // A step too slow says the share is too large only if the share sized it (not a short prompt that went
        // whole, nor the one row a prompt always gets); a step with room to spare says it may grow if the prompt
        // used what it was given.
        boolean used = prefill >= 0.5 * allowance, governed = used && prefill <= 1.05 * allowance;
        if (ratio > TARGET_RATIO ? !governed : !used) return;
        double factor = Math.clamp(Math.sqrt(TARGET_RATIO / ratio), 1 / MAX_STEP, MAX_STEP);
        share = Math.clamp(share * factor, MIN, MAX);
    }
}
