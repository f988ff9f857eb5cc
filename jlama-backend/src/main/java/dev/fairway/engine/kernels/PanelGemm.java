package dev.fairway.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batched product for quantized weights, shaped like a BLAS micro-kernel: a panel of WIDTH output rows is
 * dequantized once per k-chunk into a k-major float buffer (L2-resident), then every activation row of the block
 * streams through it, six rows at a time: 12 accumulators, two weight vectors and one broadcast fill the 16 AVX2
 * registers without spilling, and the dequantization is paid once for all rows instead of once per row.
 */
final class PanelGemm {
    private static final VectorSpecies<Float> F = VectorSupport.F;
    private static final int L = F.length();
    /** Output rows per panel: two vectors. */
    static final int WIDTH = 2 * L;
    /**
     * Most columns per chunk. A matrix's columns are split into equal chunks (whole 32-column blocks) of at most this
     * many: every chunk costs a load and store of the accumulators, and a short tail chunk (576 = 256 + 256 + 64)
     * costs as much as a full one; measured in the forward pass, one 576-column chunk beats 256-column ones by ~5-8%.
     */
    private static final int MAX_KC = 1024;

    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[WIDTH * MAX_KC]);

    private PanelGemm() {}

    /**
     * y[r][o0..o1) = x[r] . W[o] for activation rows [r0, r1). [o0, o1) must be whole panels (multiples of WIDTH,
     * inside the matrix); the caller handles a ragged last panel. Single-threaded.
     */
    static void rowRange(QuantPanels w, float[] x, int r0, int r1, float[] y, int o0, int o1) {
        int cols = w.cols(), rows = w.rows();
        if (r1 - r0 <= 3) {
            for (int o = o0; o < o1; o += WIDTH) {
                for (int r = r0; r < r1; r += 2) w.fused(o / WIDTH, x, r, Math.min(2, r1 - r), y);
            }
            return;
        }
        float[] panel = PANEL.get();
        int kc = chunk(cols);
        for (int o = o0; o < o1; o += WIDTH) {
            for (int k0 = 0; k0 < cols; k0 += kc) {
                int kLen = Math.min(kc, cols - k0);
                w.dequantize(o / WIDTH, k0, kLen, panel);
                boolean acc = k0 > 0;
                int r = r0;
                for (; r + 6 <= r1; r += 6) micro6(panel, x, r * cols + k0, cols, kLen, y, r * rows + o, rows, acc);
                if (r1 - r >= 4) {
                    micro4(panel, x, r * cols + k0, cols, kLen, y, r * rows + o, rows, acc);
                    r += 4;
                }
                if (r1 - r >= 2) {
                    micro2(panel, x, r * cols + k0, cols, kLen, y, r * rows + o, rows, acc);
                    r += 2;
                }
                if (r < r1) micro1(panel, x, r * cols + k0, kLen, y, r * rows + o, acc);
            }
        }
    }

    /** Chunk width for {@code cols}: equal chunks of whole 32-column blocks, at most MAX_KC. */
    static int chunk(int cols) {
        int chunks = (cols + MAX_KC - 1) / MAX_KC;
        return ((cols + chunks - 1) / chunks + 31) / 32 * 32;
    }

    static void micro6(float[] p, float[] x, int xo, int cols, int kLen, float[] y, int yo, int rows, boolean acc) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols, x4 = x3 + cols, x5 = x4 + cols;
        int y1 = yo + rows, y2 = y1 + rows, y3 = y2 + rows, y4 = y3 + rows, y5 = y4 + rows;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (acc) {
            c00 = FloatVector.fromArray(F, y, yo);
            c01 = FloatVector.fromArray(F, y, yo + L);
            c10 = FloatVector.fromArray(F, y, y1);
            c11 = FloatVector.fromArray(F, y, y1 + L);
            c20 = FloatVector.fromArray(F, y, y2);
            c21 = FloatVector.fromArray(F, y, y2 + L);
            c30 = FloatVector.fromArray(F, y, y3);
            c31 = FloatVector.fromArray(F, y, y3 + L);
            c40 = FloatVector.fromArray(F, y, y4);
            c41 = FloatVector.fromArray(F, y, y4 + L);
            c50 = FloatVector.fromArray(F, y, y5);
            c51 = FloatVector.fromArray(F, y, y5 + L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
            c40 = c00;
            c41 = c00;
            c50 = c00;
            c51 = c00;
        }
        for (int k = 0; k < kLen; k++) {
            FloatVector w0 = FloatVector.fromArray(F, p, k * WIDTH), w1 = FloatVector.fromArray(F, p, k * WIDTH + L);
            FloatVector b = FloatVector.broadcast(F, x[xo + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
            b = FloatVector.broadcast(F, x[x4 + k]);
            c40 = w0.fma(b, c40);
            c41 = w1.fma(b, c41);
            b = FloatVector.broadcast(F, x[x5 + k]);
            c50 = w0.fma(b, c50);
            c51 = w1.fma(b, c51);
        }
        c00.intoArray(y, yo);
        c01.intoArray(y, yo + L);
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
        c20.intoArray(y, y2);
        c21.intoArray(y, y2 + L);
        c30.intoArray(y, y3);
        c31.intoArray(y, y3 + L);
        c40.intoArray(y, y4);
        c41.intoArray(y, y4 + L);
        c50.intoArray(y, y5);
        c51.intoArray(y, y5 + L);
    }

    private static void micro4(
            float[] p, float[] x, int xo, int cols, int kLen, float[] y, int yo, int rows, boolean acc) {
        int x1 = xo + cols, x2 = x1 + cols, x3 = x2 + cols;
        int y1 = yo + rows, y2 = y1 + rows, y3 = y2 + rows;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (acc) {
            c00 = FloatVector.fromArray(F, y, yo);
            c01 = FloatVector.fromArray(F, y, yo + L);
            c10 = FloatVector.fromArray(F, y, y1);
            c11 = FloatVector.fromArray(F, y, y1 + L);
            c20 = FloatVector.fromArray(F, y, y2);
            c21 = FloatVector.fromArray(F, y, y2 + L);
            c30 = FloatVector.fromArray(F, y, y3);
            c31 = FloatVector.fromArray(F, y, y3 + L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
        }
        for (int k = 0; k < kLen; k++) {
            FloatVector w0 = FloatVector.fromArray(F, p, k * WIDTH), w1 = FloatVector.fromArray(F, p, k * WIDTH + L);
            FloatVector b = FloatVector.broadcast(F, x[xo + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            c20 = w0.fma(b, c20);
            c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            c30 = w0.fma(b, c30);
            c31 = w1.fma(b, c31);
        }
        c00.intoArray(y, yo);
        c01.intoArray(y, yo + L);
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
        c20.intoArray(y, y2);
        c21.intoArray(y, y2 + L);
        c30.intoArray(y, y3);
        c31.intoArray(y, y3 + L);
    }

    private static void micro2(
            float[] p, float[] x, int xo, int cols, int kLen, float[] y, int yo, int rows, boolean acc) {
        int x1 = xo + cols, y1 = yo + rows;
        FloatVector c00, c01, c10, c11;
        if (acc) {
            c00 = FloatVector.fromArray(F, y, yo);
            c01 = FloatVector.fromArray(F, y, yo + L);
            c10 = FloatVector.fromArray(F, y, y1);
            c11 = FloatVector.fromArray(F, y, y1 + L);
        } else {
            c00 = FloatVector.zero(F);
            c01 = c00;
            c10 = c00;
            c11 = c00;
        }
        for (int k = 0; k < kLen; k++) {
            FloatVector w0 = FloatVector.fromArray(F, p, k * WIDTH), w1 = FloatVector.fromArray(F, p, k * WIDTH + L);
            FloatVector b = FloatVector.broadcast(F, x[xo + k]);
            c00 = w0.fma(b, c00);
            c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            c10 = w0.fma(b, c10);
            c11 = w1.fma(b, c11);
        }
        c00.intoArray(y, yo);
        c01.intoArray(y, yo + L);
        c10.intoArray(y, y1);
        c11.intoArray(y, y1 + L);
    }

    private static void micro1(float[] p, float[] x, int xo, int kLen, float[] y, int yo, boolean acc) {
        FloatVector c0 = acc ? FloatVector.fromArray(F, y, yo) : FloatVector.zero(F);
        FloatVector c1 = acc ? FloatVector.fromArray(F, y, yo + L) : FloatVector.zero(F);
        for (int k = 0; k < kLen; k++) {
            FloatVector b = FloatVector.broadcast(F, x[xo + k]);
            c0 = FloatVector.fromArray(F, p, k * WIDTH).fma(b, c0);
            c1 = FloatVector.fromArray(F, p, k * WIDTH + L).fma(b, c1);
        }
        c0.intoArray(y, yo);
        c1.intoArray(y, yo + L);
    }
}
