package dev.fairway.engine.kernels;

/**
 * 4-bit weights in blocks of 32 with one float scale each, jlama's (and ggml's Q4_0) layout: byte j of a block holds
 * element j in its low nibble and element j+16 in its high nibble; w = (nibble - 8) * scale. The kernels read a copy
 * repacked in panels ({@link Int4Panels}, still half a byte per weight); the weights and their values are unchanged.
 */
public final class Q4Matrix implements PanelSource {
    static final int BLOCK = 32;

    private final int rows;
    private final int cols;
    private final byte[] q;
    private final float[] scales;
    /** The same 4-bit weights repacked for the kernels. */
    private final Int4Panels panels;

    public Q4Matrix(int rows, int cols, byte[] q, float[] scales) {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("Q4 needs cols % 32 == 0, got " + cols);
        this.rows = rows;
        this.cols = cols;
        this.q = q;
        this.scales = scales;
        this.panels = new Int4Panels(q, scales, rows, cols);
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
        return "Q4";
    }

    /** Packed nibbles, plus the repacked copy the kernels read. */
    @Override
    public long bytes() {
        return q.length + panels.bytes() + 4L * scales.length;
    }

    /** Scalar: used for embeddings (once, at load) and a ragged last few rows. */
    @Override
    public void dequantize(int row, int count, float[] dst) {
        int from = row * cols, n = count * cols;
        for (int i = 0; i < n; i++) {
            int e = from + i, blk = e / BLOCK, j = e % BLOCK, v = q[blk * 16 + (j & 15)];
            int nibble = j < 16 ? v & 0x0F : (v >> 4) & 0x0F;
            dst[i] = (nibble - 8) * scales[blk];
        }
    }

    @Override
    public QuantPanels panels() {
        return panels;
    }
}
