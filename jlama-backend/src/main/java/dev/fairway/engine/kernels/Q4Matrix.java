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
    /** The same int8 weights repacked for the batched kernel. */
    private final Int8Panels panels;

    public Q4Matrix(int rows, int cols, byte[] q, float[] scales) {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q4 needs cols % 32 == 0, got " + cols);
        this.rows = rows;
        this.cols = cols;
        this.q = q;
        this.scales = scales;
        this.w8 = widen(q, rows * cols);
        this.panels = new Int8Panels(w8, scales, rows, cols);
    }

    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    public byte[] q() { return q; }
    public float[] scales() { return scales; }

    @Override public String type() { return "Q4"; }

    /** Packed nibbles, plus the widened copy the kernels read. */
    @Override public long bytes() { return q.length + w8.length + panels.bytes() + 4L * scales.length; }

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
        panels.dequantize(panel, k0, kLen, dst);
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
