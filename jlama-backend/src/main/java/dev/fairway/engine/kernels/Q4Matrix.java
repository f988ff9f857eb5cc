package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
        VectorSpecies<Float> f = VectorSupport.F;
        int parts = 16 / f.length();
        for (int b = 0; b < blocks; b++) {
            int blk = firstBlock + b;
            FloatVector s = FloatVector.broadcast(f, scales[blk]);
            ByteVector v = ByteVector.fromArray(ByteVector.SPECIES_128, q, blk * 16);
            ByteVector lo = v.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            int d = b * BLOCK;
            ((FloatVector) lo.convertShape(VectorOperators.B2F, f, 0)).mul(s).intoArray(dst, d);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, f, 0)).mul(s).intoArray(dst, d + 16);
            if (parts == 2) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, f, 1)).mul(s).intoArray(dst, d + 8);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, f, 1)).mul(s).intoArray(dst, d + 24);
            }
        }
    }

    /** Fused dequantize-and-dot of weight row {@code row} with x[xOff, xOff+cols): the n = 1 decode path. */
    public float dot(int row, float[] x, int xOff) {
        VectorSpecies<Float> f = VectorSupport.F;
        int L = f.length();
        FloatVector acc = FloatVector.zero(f);
        int firstBlock = row * cols / BLOCK, blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            int blk = firstBlock + b, xb = xOff + b * BLOCK;
            ByteVector v = ByteVector.fromArray(ByteVector.SPECIES_128, q, blk * 16);
            ByteVector lo = v.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            FloatVector sum;
            if (L == 8) {
                sum = ((FloatVector) lo.convertShape(VectorOperators.B2F, f, 0)).mul(FloatVector.fromArray(f, x, xb));
                sum = ((FloatVector) lo.convertShape(VectorOperators.B2F, f, 1)).fma(FloatVector.fromArray(f, x, xb + 8), sum);
                sum = ((FloatVector) hi.convertShape(VectorOperators.B2F, f, 0)).fma(FloatVector.fromArray(f, x, xb + 16), sum);
                sum = ((FloatVector) hi.convertShape(VectorOperators.B2F, f, 1)).fma(FloatVector.fromArray(f, x, xb + 24), sum);
            } else {
                sum = ((FloatVector) lo.convertShape(VectorOperators.B2F, f, 0)).mul(FloatVector.fromArray(f, x, xb));
                sum = ((FloatVector) hi.convertShape(VectorOperators.B2F, f, 0)).fma(FloatVector.fromArray(f, x, xb + 16), sum);
            }
            acc = sum.fma(FloatVector.broadcast(f, scales[blk]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
