package dev.fairway.engine.scheduler;

import dev.fairway.engine.model.ModelConfig;

/**
 * What a row of a step costs, in units of a row at position 0: the weights cost the same for every row, but a row at
 * position p also attends over p earlier keys, so it costs {@code 1 + p / P} where P ({@code positionsPerUnit}) is the
 * weight MACs of a token over the attention MACs of one position. The scheduler's step budget is counted in these
 * units, so a chunk deep in a long prompt is smaller than a fresh one and the step it rides in stays as cheap.
 */
public record StepCostModel(double positionsPerUnit) {
    /** Every row costs 1 wherever it is: the budget counts tokens. */
    public static final StepCostModel FLAT = new StepCostModel(Double.POSITIVE_INFINITY);

    /** Slack for rounding when summed row costs are compared with a budget. */
    private static final double EPS = 1e-9;

    public StepCostModel {
        if (!(positionsPerUnit > 0))
            throw new IllegalArgumentException("positionsPerUnit must be > 0: " + positionsPerUnit);
    }

    /**
     * From the model shape. Weights per token: q/k/v, o and the gated MLP of every layer plus the LM head (a prefill row
     * that is not the last of its chunk skips the LM head, so such rows are slightly overcharged, on the safe side).
     * Attention per earlier position: q.k and p.v, head-dim MACs each, for every query head of every layer.
     */
    public static StepCostModel of(ModelConfig c) {
        double h = c.hidden();
        double perLayer = h * (c.qDim() + 2.0 * c.kvDim()) + c.qDim() * h + 3.0 * h * c.intermediate();
        double weights = c.layers() * perLayer + c.vocab() * h;
        double attention = 2.0 * c.layers() * c.qDim();
        return new StepCostModel(weights / attention);
    }

    /** Cost of one row at {@code position}. */
    public double row(int position) {
        return 1 + position / positionsPerUnit;
    }

    /** Cost of {@code tokens} rows at positions {@code from .. from + tokens - 1}. */
    public double chunk(int from, int tokens) {
        return tokens * (1 + (from + (tokens - 1) / 2.0) / positionsPerUnit);
    }

    /** The most rows from {@code from} on (at most {@code max}) whose chunk costs no more than {@code budget}. */
    public int fitting(int from, int max, double budget) {
        int n = 0;
        double used = 0;
        while (n < max) {
            double next = used + row(from + n);
            if (next > budget + EPS) break;
            used = next;
            n++;
        }
        return n;
    }
}
