package dev.fairway.engine.kernels;

import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 4-bit weights (Q4) in {@link QuantPanels} layout, half a byte per weight: the byte for column k and slot j of a
 * panel holds row j in its low nibble and row j + WIDTH/2 in its high nibble, both as signed values (nibble - 8).
 * Widened to int lanes, a shift pair yields the low row vector and one shift the high one, so a load of WIDTH/2 bytes
 * gives the panel's two weight vectors. Decoding one token streams every weight once, so half the bytes of an int8
 * copy is what bounds single-stream decode on larger models.
 */
final class Int4Panels implements QuantPanels {
    private static final VectorSpecies<Float> F = VectorSupport.F;
    private static final VectorSpecies<Integer> I = VectorSupport.I_FOR_F;
    private static final int L = F.length();
    private static final int W = PanelGemm.WIDTH;
    private static final int H = W / 2;

    private final int rows;
    private final int cols;
    private final byte[] panels;
    private final float[] scales;

    /**
     * From jlama's Q4 layout: q holds 16 bytes per 32-element block of the row-major matrix, byte j with element j in
     * its low nibble and element j+16 in its high nibble, value = (nibble - 8) * s[block]. Packed in parallel.
     */
    Int4Panels(byte[] q, float[] s, int rows, int cols) {
        int count = (rows + W - 1) / W;
        this.rows = rows;
        this.cols = cols;
        this.panels = new byte[count * H * cols];
        this.scales = QuantPanels.panelScales(s, rows, cols);
        IntStream.range(0, count).parallel().forEach(panel -> {
            int r0 = panel * W, height = Math.min(W, rows - r0);
            for (int j = 0; j < height; j++) {
                int shift = j < H ? 0 : 4, base = panel * cols * H + j % H;
                for (int k = 0; k < cols; k++) {
                    int e = (r0 + j) * cols + k, within = e % BLOCK, v = q[e / BLOCK * 16 + (within & 15)];
                    int nibble = (within < 16 ? v : v >> 4) & 0x0F;
                    panels[base + k * H] |= (byte) (((nibble - 8) & 0x0F) << shift);
                }
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

    /** The H bytes at src widened to int lanes: low nibbles are rows [0, H) of the panel, high nibbles rows [H, W). */
    private IntVector lanes(int src) {
        return (IntVector)
                ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src).convertShape(VectorOperators.B2I, I, 0);
    }

    private static FloatVector low(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, 28)
                .lanewise(VectorOperators.ASHR, 28)
                .convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0);
    }

    @Override
    public void dequantize(int panel, int k0, int kLen, float[] dst) {
        int blocks = cols / BLOCK, base = panel * cols * H;
        for (int k = k0, end = k0 + kLen; k < end; ) {
            int sb = (panel * blocks + k / BLOCK) * W;
            FloatVector s0 = FloatVector.fromArray(F, scales, sb), s1 = FloatVector.fromArray(F, scales, sb + L);
            for (int blockEnd = Math.min(end, (k / BLOCK + 1) * BLOCK); k < blockEnd; k++) {
                IntVector v = lanes(base + k * H);
                int d = (k - k0) * W;
                low(v).mul(s0).intoArray(dst, d);
                high(v).mul(s1).intoArray(dst, d + L);
            }
        }
    }

    /** Scales apply once per 32-column block; even and odd columns accumulate apart so the FMA chains overlap. */
    @Override
    public void fused(int panel, float[] x, int r0, int n, float[] y) {
        int blocks = cols / BLOCK, base = panel * cols * H;
        int x0 = r0 * cols, x1 = x0 + (n > 1 ? cols : 0);
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00;
        for (int b = 0; b < blocks; b++) {
            FloatVector e00 = FloatVector.zero(F), e01 = e00, o00 = e00, o01 = e00;
            FloatVector e10 = e00, e11 = e00, o10 = e00, o11 = e00;
            for (int k = b * BLOCK, end = k + BLOCK; k < end; k += 2) {
                IntVector even = lanes(base + k * H), odd = lanes(base + (k + 1) * H);
                FloatVector w0 = low(even), w1 = high(even), v0 = low(odd), v1 = high(odd);
                FloatVector a = FloatVector.broadcast(F, x[x0 + k]), a2 = FloatVector.broadcast(F, x[x0 + k + 1]);
                e00 = w0.fma(a, e00);
                e01 = w1.fma(a, e01);
                o00 = v0.fma(a2, o00);
                o01 = v1.fma(a2, o01);
                if (n > 1) {
                    FloatVector c = FloatVector.broadcast(F, x[x1 + k]), c2 = FloatVector.broadcast(F, x[x1 + k + 1]);
                    e10 = w0.fma(c, e10);
                    e11 = w1.fma(c, e11);
                    o10 = v0.fma(c2, o10);
                    o11 = v1.fma(c2, o11);
                }
            }
            int sb = (panel * blocks + b) * W;
            FloatVector s0 = FloatVector.fromArray(F, scales, sb), s1 = FloatVector.fromArray(F, scales, sb + L);
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
