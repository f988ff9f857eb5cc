package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 4-bit weights in blocks of 32 with one float scale each, jlama's (and ggml's Q4_0) layout: byte j of a block holds
 * element j in its low nibble and element j+16 in its high nibble; w = (nibble - 8) * scale. The kernels read a copy
 * widened to one signed byte per weight (1.65x faster dots on AVX2 than unpacking nibbles on the fly); the weights
 * and their values are unchanged.
 */
public final class Q4Matrix implements PanelSource {
    static final int BLOCK = 32;

    private final int rows;
    private final int cols;
    private final byte[] q;
    private final float[] scales;
    private final byte[] w8;
    /** The same int8 weights in panels of PanelGemm.WIDTH rows, k-major, with the scales laid out alike. */
    private final byte[] panels;
    private final float[] panelScales;

    public Q4Matrix(int rows, int cols, byte[] q, float[] scales) {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q4 needs cols % 32 == 0, got " + cols);
        this.rows = rows;
        this.cols = cols;
        this.q = q;
        this.scales = scales;
        this.w8 = widen(q, rows * cols);
        this.panels = toPanels(w8, rows, cols);
        this.panelScales = scalePanels(scales, rows, cols / BLOCK);
    }

    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    public byte[] q() { return q; }
    public float[] scales() { return scales; }

    @Override public String type() { return "Q4"; }

    /** Packed nibbles, plus the widened copy the kernels read. */
    @Override public long bytes() { return q.length + w8.length + panels.length + 4L * (scales.length + panelScales.length); }

    @Override
    public void dequantize(int row, int count, float[] dst) {
        VectorSpecies<Float> f = VectorSupport.F;
        int from = row * cols, n = count * cols, rowBlocks = cols / BLOCK;
        for (int i = 0; i < n; i += f.length()) {
            float s = scales[row * rowBlocks + i / BLOCK];
            ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, w8, from + i)
                    .convertShape(VectorOperators.B2F, f, 0)).mul(s).intoArray(dst, i);
        }
    }

    @Override
    public void dequantizePanel(int panel, int k0, int kLen, float[] dst) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length(), W = PanelGemm.WIDTH, blocks = cols / BLOCK;
        int base = panel * cols * W;
        for (int k = k0, end = k0 + kLen; k < end; ) {
            int sb = (panel * blocks + k / BLOCK) * W;
            FloatVector s0 = FloatVector.fromArray(f, panelScales, sb), s1 = FloatVector.fromArray(f, panelScales, sb + L);
            for (int blockEnd = Math.min(end, (k / BLOCK + 1) * BLOCK); k < blockEnd; k++) {
                int src = base + k * W, d = (k - k0) * W;
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src)
                        .convertShape(VectorOperators.B2F, f, 0)).mul(s0).intoArray(dst, d);
                ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, panels, src + L)
                        .convertShape(VectorOperators.B2F, f, 0)).mul(s1).intoArray(dst, d + L);
            }
        }
    }

    /** Fused dequantize-and-dot of weight row {@code row} with x[xOff, xOff+cols): the n < 4 decode path. */
    public float dot(int row, float[] x, int xOff) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length();
        FloatVector acc = FloatVector.zero(f);
        int firstBlock = row * cols / BLOCK, blocks = cols / BLOCK, base = row * cols;
        for (int b = 0; b < blocks; b++) {
            int wb = base + b * BLOCK, xb = xOff + b * BLOCK;
            FloatVector sum = ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, w8, wb)
                    .convertShape(VectorOperators.B2F, f, 0)).mul(FloatVector.fromArray(f, x, xb));
            for (int j = L; j < BLOCK; j += L) {
                sum = ((FloatVector) ByteVector.fromArray(VectorSupport.B_FOR_F, w8, wb + j)
                        .convertShape(VectorOperators.B2F, f, 0)).fma(FloatVector.fromArray(f, x, xb + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(f, scales[firstBlock + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static byte[] toPanels(byte[] w8, int rows, int cols) {
        int W = PanelGemm.WIDTH, count = (rows + W - 1) / W;
        byte[] p = new byte[count * W * cols];
        for (int r = 0; r < rows; r++) {
            int panel = r / W, j = r % W;
            for (int k = 0; k < cols; k++) p[(panel * cols + k) * W + j] = w8[r * cols + k];
        }
        return p;
    }

    private static float[] scalePanels(float[] scales, int rows, int blocks) {
        int W = PanelGemm.WIDTH, count = (rows + W - 1) / W;
        float[] p = new float[count * W * blocks];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) p[((r / W) * blocks + b) * W + r % W] = scales[r * blocks + b];
        }
        return p;
    }

    /** Nibbles widened to signed bytes (nibble - 8) in element order: converting a byte to float is one step on x86. */
    private static byte[] widen(byte[] q, int n) {
        byte[] w = new byte[n];
        for (int blk = 0; blk < n / BLOCK; blk++) {
            for (int j = 0; j < 16; j++) {
                int v = q[blk * 16 + j];
                w[blk * BLOCK + j] = (byte) ((v & 0x0F) - 8);
                w[blk * BLOCK + j + 16] = (byte) (((v >> 4) & 0x0F) - 8);
            }
        }
        return w;
    }
}
