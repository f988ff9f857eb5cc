package dev.fairway.engine.scheduler;

/**
 * Fits measured step times to {@code fixed + perRow * rows + perPosition * (sum of the rows' positions)} by recursive
 * least squares with forgetting, so the cost model's P (what one earlier position costs against a row) and a step's
 * fixed part (reading every weight) come from this machine, this model and this quantization instead of MAC counts:
 * on a 2-core AVX2 VM, attention over deep positions ran ~4x slower per MAC than the weight products, which MAC counts
 * cannot know.
 */
final class StepTimeModel {
    /** Observations before the fit is used: enough steps of different shapes to pin three parameters. */
    static final int MIN_OBSERVATIONS = 32;

    private static final double FORGET = 0.995;
    /** Positions are counted in thousands so the three features have similar scales. */
    private static final double POSITION_SCALE = 1e-3;

    private final double[] theta = new double[3];
    private final double[][] p = {{1e4, 0, 0}, {0, 1e4, 0}, {0, 0, 1e4}};
    private int observations;
    /** Scratch for {@link #observe}, which runs once per engine step. */
    private final double[] x = new double[3];

    private final double[] px = new double[3];

    /** One step: its rows, the sum of their positions and how long it took. */
    void observe(int rows, double positionSum, long nanos) {
        if (rows <= 0 || nanos <= 0) return;
        x[0] = 1;
        x[1] = rows;
        x[2] = positionSum * POSITION_SCALE;
        double y = nanos / 1e6;
        for (int i = 0; i < 3; i++) {
            px[i] = 0;
            for (int j = 0; j < 3; j++) px[i] += p[i][j] * x[j];
        }
        double denom = FORGET;
        for (int i = 0; i < 3; i++) denom += x[i] * px[i];
        double err = y;
        for (int i = 0; i < 3; i++) err -= theta[i] * x[i];
        for (int i = 0; i < 3; i++) theta[i] += px[i] * err / denom;
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) p[i][j] = (p[i][j] - px[i] * px[j] / denom) / FORGET;
        observations++;
    }

    /** Whether the fit has seen enough and makes physical sense (a row costs time, positions and the fixed part do not save any). */
    boolean ready() {
        return observations >= MIN_OBSERVATIONS && theta[1] > 0 && theta[2] > 0 && theta[0] >= 0;
    }

    /** The predicted time of a step of {@code rows} rows whose positions sum to {@code positionSum}. */
    double predictNanos(int rows, double positionSum) {
        return (theta[0] + theta[1] * rows + theta[2] * positionSum * POSITION_SCALE) * 1e6;
    }

    /** Earlier positions that cost as much as one row (the cost model's P). */
    double positionsPerRow() {
        return theta[1] / (theta[2] * POSITION_SCALE);
    }

    /** A step's fixed part in rows at position 0. */
    double fixedRows() {
        return theta[0] / theta[1];
    }
}
