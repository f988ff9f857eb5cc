package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** 8-bit weights in blocks of 32 with one float scale each (jlama's Q8 layout): w = q * scale. */
public record Q8Matrix(int rows, int cols, byte[] q, float[] scales) implements WeightMatrix {
    static final int BLOCK = 32;

    public Q8Matrix {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q8 needs cols % 32 == 0, got " + cols);
    }

    @Override public String type() { return "Q8"; }

    @Override public long bytes() { return q.length + 4L * scales.length; }

    public static Q8Matrix quantize(int rows, int cols, float[] w) {
        byte[] q = new byte[rows * cols];
        float[] s = new float[rows * cols / BLOCK];
        for (int b = 0; b < s.length; b++) {
            float max = 0;
            for (int i = 0; i < BLOCK; i++) max = Math.max(max, Math.abs(w[b * BLOCK + i]));
            float scale = max / 127f;
            s[b] = scale;
            float inv = scale == 0 ? 0 : 1f / scale;
            for (int i = 0; i < BLOCK; i++) q[b * BLOCK + i] = (byte) Math.round(w[b * BLOCK + i] * inv);
        }
        return new Q8Matrix(rows, cols, q, s);
    }

    @Override
    public void dequantize(int row, int count, float[] dst) {
        int L = VectorSupport.F.length();
        int from = row * cols, n = count * cols;
        for (int i = 0; i < n; i += L) {
            float scale = scales[(from + i) / BLOCK];
            ByteVector b = ByteVector.fromArray(VectorSupport.B_FOR_F, q, from + i);
            ((FloatVector) b.convertShape(VectorOperators.B2F, VectorSupport.F, 0)).mul(scale).intoArray(dst, i);
        }
    }
}
