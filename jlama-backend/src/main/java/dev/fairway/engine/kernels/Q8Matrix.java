package dev.fairway.engine.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** 8-bit weights in blocks of 32 with one float scale each (jlama's Q8 layout): w = q * scale. */
public final class Q8Matrix implements PanelSource {
    static final int BLOCK = 32;

    private final int rows;
    private final int cols;
    private final byte[] q;
    private final float[] scales;
    private final Int8Panels panels;

    public Q8Matrix(int rows, int cols, byte[] q, float[] scales) {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q8 needs cols % 32 == 0, got " + cols);
        this.rows = rows;
        this.cols = cols;
        this.q = q;
        this.scales = scales;
        this.panels = new Int8Panels(q, scales, rows, cols);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    public byte[] q() {
        return q;
    }

    public float[] scales() {
        return scales;
    }

    @Override
    public String type() {
        return "Q8";
    }

    /** Row-major values (dequantize, tests) plus the copy the batched kernel reads. */
    @Override
    public long bytes() {
        return q.length + 4L * scales.length + panels.bytes();
    }

    @Override
    public QuantPanels panels() {
        return panels;
    }

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
            ((FloatVector) b.convertShape(VectorOperators.B2F, VectorSupport.F, 0))
                    .mul(scale)
                    .intoArray(dst, i);
        }
    }
}
