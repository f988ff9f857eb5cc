package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * 4-bit weights in blocks of 32 with one float scale each, jlama's (and ggml's Q4_0) layout: byte j of a block holds
 * element j in its low nibble and element j+16 in its high nibble; w = (nibble - 8) * scale.
 */
public record Q4Matrix(int rows, int cols, byte[] q, float[] scales) implements WeightMatrix {
    static final int BLOCK = 32;

    public Q4Matrix {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q4 needs cols % 32 == 0, got " + cols);
    }

    @Override public String type() { return "Q4"; }

    @Override public long bytes() { return q.length + 4L * scales.length; }

    @Override
    public void dequantize(int row, int count, float[] dst) {
        int blocks = count * cols / BLOCK, firstBlock = row * cols / BLOCK;
        if (VectorSupport.F.length() == 16) {
            for (int b = 0; b < blocks; b++) {
                int blk = firstBlock + b;
                float s = scales[blk];
                ByteVector v = ByteVector.fromArray(ByteVector.SPECIES_128, q, blk * 16);
                FloatVector lo = (FloatVector) v.and((byte) 0x0F).convertShape(VectorOperators.B2F, VectorSupport.F, 0);
                FloatVector hi = (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)
                        .convertShape(VectorOperators.B2F, VectorSupport.F, 0);
                lo.sub(8f).mul(s).intoArray(dst, b * BLOCK);
                hi.sub(8f).mul(s).intoArray(dst, b * BLOCK + 16);
            }
        } else {
            for (int b = 0; b < blocks; b++) {
                int blk = firstBlock + b;
                float s = scales[blk];
                for (int j = 0; j < 16; j++) {
                    int v = q[blk * 16 + j];
                    dst[b * BLOCK + j] = ((v & 0x0F) - 8) * s;
                    dst[b * BLOCK + j + 16] = (((v >> 4) & 0x0F) - 8) * s;
                }
            }
        }
    }
}
