package dev.fairway.engine.kernels;

import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Int8 weights (Q8) in {@link QuantPanels} layout. */
final class Int8Panels implements QuantPanels {
    private final int rows;
    private final int cols;
    private final byte[] panels;
    private final float[] scales;

    /** From row-major int8 values w[r*cols + k] and scales s[r*(cols/32) + k/32]. Panels are packed in parallel. */
    Int8Panels(byte[] w, float[] s, int rows, int cols) {
        int W = PanelGemm.WIDTH, count = (rows + W - 1) / W;
        this.rows = rows;
        this.cols = cols;
        this.panels = new byte[count * W * cols];
        this.scales = QuantPanels.panelScales(s, rows, cols);
        IntStream.range(0, count).parallel().forEach(panel -> {
            int r0 = panel * W, height = Math.min(W, rows - r0);
            for (int k = 0, dst = panel * cols * W; k < cols; k++, dst += W) {
                for (int j = 0; j < height; j++) panels[dst + j] = w[(r0 + j) * cols + k];
            }
        });
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long bytes() {
        return panels.length + 4L * scales.length;
    }

    @Override
    public void dequantize(int panel, int k0, int kLen, float[] dst) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length(), W = PanelGemm.WIDTH, blocks = cols / BLOCK, base = panel * cols * W;
        for (int k = k0, end = k0 + kLen; k < end; ) {
            int sb = (panel * blocks + k / BLOCK) * W;
            FloatVector s0 = FloatVector.fromArray(f, scales, sb), s1 = FloatVector.fromArray(f, scales, sb + L);
            for (int blockEnd = Math.min(end, (k / BLOCK + 1) * BLOCK); k < blockEnd; k++) {
                int src = base + k * W, d = (k - k0) * W;
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src)
                                .convertShape(VectorOperators.B2F, f, 0))
                        .mul(s0)
                        .intoArray(dst, d);
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + L)
                                .convertShape(VectorOperators.B2F, f, 0))
                        .mul(s1)
                        .intoArray(dst, d + L);
            }
        }
    }

    /** Scales apply once per 32-column block; even and odd columns accumulate apart so the FMA chains overlap. */
    @Override
    public void fused(int panel, float[] x, int r0, int n, float[] y) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length(), W = PanelGemm.WIDTH, blocks = cols / BLOCK, base = panel * cols * W;
        int x0 = r0 * cols, x1 = x0 + (n > 1 ? cols : 0);
        FloatVector c00 = FloatVector.zero(f), c01 = c00, c10 = c00, c11 = c00;
        for (int b = 0; b < blocks; b++) {
            FloatVector e00 = FloatVector.zero(f), e01 = e00, o00 = e00, o01 = e00;
            FloatVector e10 = e00, e11 = e00, o10 = e00, o11 = e00;
            for (int k = b * BLOCK, end = k + BLOCK; k < end; k += 2) {
                int src = base + k * W;
                FloatVector w0 = (FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src)
                        .convertShape(VectorOperators.B2F, f, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + L)
                        .convertShape(VectorOperators.B2F, f, 0);
                FloatVector v0 = (FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + W)
                        .convertShape(VectorOperators.B2F, f, 0);
                FloatVector v1 = (FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + W + L)
                        .convertShape(VectorOperators.B2F, f, 0);
                FloatVector a = FloatVector.broadcast(f, x[x0 + k]), a2 = FloatVector.broadcast(f, x[x0 + k + 1]);
                e00 = w0.fma(a, e00);
                e01 = w1.fma(a, e01);
                o00 = v0.fma(a2, o00);
                o01 = v1.fma(a2, o01);
                if (n > 1) {
                    FloatVector c = FloatVector.broadcast(f, x[x1 + k]), c2 = FloatVector.broadcast(f, x[x1 + k + 1]);
                    e10 = w0.fma(c, e10);
                    e11 = w1.fma(c, e11);
                    o10 = v0.fma(c2, o10);
                    o11 = v1.fma(c2, o11);
                }
            }
            int sb = (panel * blocks + b) * W;
            FloatVector s0 = FloatVector.fromArray(f, scales, sb), s1 = FloatVector.fromArray(f, scales, sb + L);
            c00 = e00.add(o00).fma(s0, c00);
            c01 = e01.add(o01).fma(s1, c01);
            c10 = e10.add(o10).fma(s0, c10);
            c11 = e11.add(o11).fma(s1, c11);
        }
        int yo = r0 * rows + panel * W;
        c00.intoArray(y, yo);
        c01.intoArray(y, yo + L);
        if (n > 1) {
            c10.intoArray(y, yo + rows);
            c11.intoArray(y, yo + rows + L);
        }
    }
}
