package dev.fairway.engine.kernels;

/**
 * Quantized weights repacked for {@link PanelGemm}: panels of WIDTH rows, k-major (the WIDTH weights of one column
 * are adjacent), one float scale per row and 32-column block, laid out alike. Rows past the end are zero.
 */
sealed interface QuantPanels permits Int8Panels, Int4Panels {
    int BLOCK = 32;

    int rows();

    int cols();

    long bytes();

    /** Writes rows [panel*WIDTH, +WIDTH) x cols [k0, k0+kLen) as floats, k-major: dst[(k-k0)*WIDTH + j]. */
    void dequantize(int panel, int k0, int kLen, float[] dst);

    /**
     * y[r*rows + panel*WIDTH + j] for activation rows r in [r0, r0+n), n = 1 or 2, straight from the quantized values:
     * for a row or two a dequantized copy costs more than it saves.
     */
    void fused(int panel, float[] x, int r0, int n, float[] y);

    /** Scales s[r*(cols/32) + b] repacked as [panel][block][WIDTH]. */
    static float[] panelScales(float[] s, int rows, int cols) {
        int W = PanelGemm.WIDTH, count = (rows + W - 1) / W, blocks = cols / BLOCK;
        float[] out = new float[count * W * blocks];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) out[((r / W) * blocks + b) * W + r % W] = s[r * blocks + b];
        }
        return out;
    }
}
