package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Int8 weights with one float scale per block of 32 columns, repacked for {@link PanelGemm}: panels of WIDTH rows,
 * k-major (the WIDTH weights of one column are adjacent), scales laid out alike. Rows past the end are zero.
 */
final class Int8Panels {
    private static final int BLOCK = 32;

    private final int cols;
    private final byte[] panels;
    private final float[] scales;

    /** From row-major int8 values w[r*cols + k] and scales s[r*(cols/32) + k/32]. */
    Int8Panels(byte[] w, float[] s, int rows, int cols) {
        int W = PanelGemm.WIDTH, count = (rows + W - 1) / W, blocks = cols / BLOCK;
        this.cols = cols;
        this.panels = new byte[count * W * cols];
        this.scales = new float[count * W * blocks];
        for (int r = 0; r < rows; r++) {
            int panel = r / W, j = r % W;
            for (int k = 0; k < cols; k++) panels[(panel * cols + k) * W + j] = w[r * cols + k];
            for (int b = 0; b < blocks; b++) scales[(panel * blocks + b) * W + j] = s[r * blocks + b];
        }
    }

    long bytes() { return panels.length + 4L * scales.length; }

    void dequantize(int panel, int k0, int kLen, float[] dst) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length(), W = PanelGemm.WIDTH, blocks = cols / BLOCK, base = panel * cols * W;
        for (int k = k0, end = k0 + kLen; k < end; ) {
            int sb = (panel * blocks + k / BLOCK) * W;
            FloatVector s0 = FloatVector.fromArray(f, scales, sb), s1 = FloatVector.fromArray(f, scales, sb + L);
            for (int blockEnd = Math.min(end, (k / BLOCK + 1) * BLOCK); k < blockEnd; k++) {
                int src = base + k * W, d = (k - k0) * W;
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src)
                        .convertShape(VectorOperators.B2F, f, 0)).mul(s0).intoArray(dst, d);
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + L)
                        .convertShape(VectorOperators.B2F, f, 0)).mul(s1).intoArray(dst, d + L);
            }
        }
    }
}
