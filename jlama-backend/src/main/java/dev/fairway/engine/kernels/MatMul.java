package dev.fairway.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batched y = x W^T: x is [n x cols], y is [n x rows] (both row-major). A batch of n tokens reads the weights once:
 * that is where continuous batching pays. Quantized weights go through {@link PanelGemm}; float weights (and a
 * quantized matrix's ragged last rows) use 4x4 register tiles read in place.
 */
public final class MatMul {
    private static final VectorSpecies<Float> F = VectorSupport.F;
    private static final int L = F.length();
    private static final int TILE_O = 4;
    /** Output rows per parallel task: big enough to amortize dispatch, small enough to balance two cores. */
    private static final int ROWS_PER_TASK = 32;
    /**
     * Activation rows per task: a weight panel is dequantized once per task, so more rows amortize it better; 96 rows
     * of a chunk of up to 1024 columns (384 KB) and the 64 KB panel stay in L2.
     */
    private static final int ACT_ROWS_PER_TASK = 96;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private MatMul() {}

    public static void matmul(WorkerPool pool, WeightMatrix w, float[] x, int n, float[] y) {
        int rows = w.rows();
        int oTasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        int rBlocks = (n + ACT_ROWS_PER_TASK - 1) / ACT_ROWS_PER_TASK;
        pool.run(oTasks * rBlocks, t -> {
            int o0 = (t % oTasks) * ROWS_PER_TASK, r0 = (t / oTasks) * ACT_ROWS_PER_TASK;
            rowRange(w, x, r0, Math.min(n, r0 + ACT_ROWS_PER_TASK), y, o0, Math.min(rows, o0 + ROWS_PER_TASK));
        });
    }

    /** Computes output rows [o0, o1) for activation rows [r0, r1); single-threaded. */
    static void rowRange(WeightMatrix w, float[] x, int r0, int r1, float[] y, int o0, int o1) {
        int cols = w.cols(), rows = w.rows();
        if (w instanceof PanelSource ps) {
            int full = Math.min(o1, rows / PanelGemm.WIDTH * PanelGemm.WIDTH);
            if (o0 % PanelGemm.WIDTH == 0 && full > o0) {
                PanelGemm.rowRange(ps.panels(), x, r0, r1, y, o0, full);
                o0 = full;
                if (o0 >= o1) return;
            }
        }
        float[] direct = w.floats();
        float[] buf = direct != null ? direct : scratch(TILE_O * cols);
        for (int o = o0; o < o1; o += TILE_O) {
            int count = Math.min(TILE_O, o1 - o);
            int wOff;
            if (direct != null) {
                wOff = o * cols;
            } else {
                w.dequantize(o, count, buf);
                wOff = 0;
            }
            if (count == TILE_O) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) tile4x4(buf, wOff, cols, x, r, y, rows, o);
                for (; r < r1; r++) tile4x1(buf, wOff, cols, x, r, y, rows, o);
            } else {
                for (int r = r0; r < r1; r++) {
                    for (int k = 0; k < count; k++) {
                        y[r * rows + o + k] = dot(buf, wOff + k * cols, x, r * cols, cols);
                    }
                }
            }
        }
    }

    private static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    private static void tile4x1(float[] w, int wOff, int cols, float[] x, int r, float[] y, int rows, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int w0 = wOff, w1 = wOff + cols, w2 = wOff + 2 * cols, w3 = wOff + 3 * cols, xo = r * cols;
        int i = 0, bound = F.loopBound(cols);
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, w, w0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + i).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            float xv = x[xo + i];
            s0 += w[w0 + i] * xv;
            s1 += w[w1 + i] * xv;
            s2 += w[w2 + i] * xv;
            s3 += w[w3 + i] * xv;
        }
        int yo = r * rows + o;
        y[yo] = s0;
        y[yo + 1] = s1;
        y[yo + 2] = s2;
        y[yo + 3] = s3;
    }

    private static void tile4x4(float[] w, int wOff, int cols, float[] x, int r, float[] y, int rows, int o) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int w0 = wOff, w1 = wOff + cols, w2 = wOff + 2 * cols, w3 = wOff + 3 * cols;
        int x0 = r * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int i = 0, bound = F.loopBound(cols);
        for (; i < bound; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + i);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + i);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            c00 = v0.fma(xv, c00);
            c10 = v1.fma(xv, c10);
            c20 = v2.fma(xv, c20);
            c30 = v3.fma(xv, c30);
            xv = FloatVector.fromArray(F, x, x1 + i);
            c01 = v0.fma(xv, c01);
            c11 = v1.fma(xv, c11);
            c21 = v2.fma(xv, c21);
            c31 = v3.fma(xv, c31);
            xv = FloatVector.fromArray(F, x, x2 + i);
            c02 = v0.fma(xv, c02);
            c12 = v1.fma(xv, c12);
            c22 = v2.fma(xv, c22);
            c32 = v3.fma(xv, c32);
            xv = FloatVector.fromArray(F, x, x3 + i);
            c03 = v0.fma(xv, c03);
            c13 = v1.fma(xv, c13);
            c23 = v2.fma(xv, c23);
            c33 = v3.fma(xv, c33);
        }
        int y0 = r * rows + o, y1 = y0 + rows, y2 = y1 + rows, y3 = y2 + rows;
        y[y0] = c00.reduceLanes(VectorOperators.ADD);
        y[y0 + 1] = c10.reduceLanes(VectorOperators.ADD);
        y[y0 + 2] = c20.reduceLanes(VectorOperators.ADD);
        y[y0 + 3] = c30.reduceLanes(VectorOperators.ADD);
        y[y1] = c01.reduceLanes(VectorOperators.ADD);
        y[y1 + 1] = c11.reduceLanes(VectorOperators.ADD);
        y[y1 + 2] = c21.reduceLanes(VectorOperators.ADD);
        y[y1 + 3] = c31.reduceLanes(VectorOperators.ADD);
        y[y2] = c02.reduceLanes(VectorOperators.ADD);
        y[y2 + 1] = c12.reduceLanes(VectorOperators.ADD);
        y[y2 + 2] = c22.reduceLanes(VectorOperators.ADD);
        y[y2 + 3] = c32.reduceLanes(VectorOperators.ADD);
        y[y3] = c03.reduceLanes(VectorOperators.ADD);
        y[y3 + 1] = c13.reduceLanes(VectorOperators.ADD);
        y[y3 + 2] = c23.reduceLanes(VectorOperators.ADD);
        y[y3 + 3] = c33.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            for (int rr = 0; rr < 4; rr++) {
                float xv = x[x0 + rr * cols + i];
                for (int oo = 0; oo < 4; oo++) y[y0 + rr * rows + oo] += w[wOff + oo * cols + i] * xv;
            }
        }
    }
}
