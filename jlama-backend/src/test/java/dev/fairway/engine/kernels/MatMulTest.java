package dev.fairway.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched product against a plain double-precision loop over the dequantized weights, across the shapes where
 * the kernel switches paths: fewer than 4 rows (fused dot), 6/4/2/1-row micro-kernels, ragged last panels, several
 * k-chunks (2080 columns: three chunks, the last shorter), one and two threads.
 */
class MatMulTest {
    private static final int[] BATCHES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 31, 33};

    @ParameterizedTest(name = "Q4 {0}x{1}, {2} threads")
    @CsvSource({"16,32,1", "40,96,2", "960,576,2", "72,1536,1", "24,2080,2", "33,288,2", "8,64,1"})
    void q4MatchesReference(int rows, int cols, int threads) {
        Random rnd = new Random(rows * 31L + cols);
        byte[] q = new byte[rows * cols / 2];
        rnd.nextBytes(q);
        float[] scales = new float[rows * cols / 32];
        for (int i = 0; i < scales.length; i++) scales[i] = (rnd.nextFloat() - 0.3f) * 0.05f;
        check(new Q4Matrix(rows, cols, q, scales), threads, rnd);
    }

    @ParameterizedTest(name = "Q8 {0}x{1}")
    @CsvSource({"40,96", "64,576"})
    void q8MatchesReference(int rows, int cols) {
        Random rnd = new Random(rows + cols);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.1f;
        check(Q8Matrix.quantize(rows, cols, w), 2, rnd);
    }

    @Test
    void f32MatchesReference() {
        Random rnd = new Random(5);
        int rows = 37, cols = 70;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        check(new F32Matrix(rows, cols, w), 2, rnd);
    }

    private static void check(WeightMatrix w, int threads, Random rnd) {
        int rows = w.rows(), cols = w.cols();
        float[] dense = new float[rows * cols];
        w.dequantize(0, rows, dense);
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int n : BATCHES) {
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] y = new float[n * rows];
                java.util.Arrays.fill(y, Float.NaN);
                MatMul.matmul(pool, w, x, n, y);
                for (int r = 0; r < n; r++) {
                    for (int o = 0; o < rows; o++) {
                        double ref = 0, mag = 0;
                        for (int k = 0; k < cols; k++) {
                            ref += (double) dense[o * cols + k] * x[r * cols + k];
                            mag += Math.abs((double) dense[o * cols + k] * x[r * cols + k]);
                        }
                        assertEquals(
                                ref,
                                y[r * rows + o],
                                1e-5 * mag + 1e-6,
                                () -> w.type() + " " + rows + "x" + cols + " n=" + n + " row " + "mismatch");
                    }
                }
            }
        }
    }
}
