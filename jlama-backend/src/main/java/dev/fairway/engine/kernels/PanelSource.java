package dev.fairway.engine.kernels;

/**
 * A weight stored in panels of {@link PanelGemm#WIDTH} output rows, k-major: the layout the batched kernel streams.
 * Rows past the end of the matrix read as zero.
 */
public interface PanelSource extends WeightMatrix {
    /** Writes rows [panel*WIDTH, +WIDTH) x cols [k0, k0+kLen) as floats, k-major: dst[(k-k0)*WIDTH + j]. */
    void dequantizePanel(int panel, int k0, int kLen, float[] dst);

    /** y[r*rows + panel*WIDTH + j] for one or two activation rows from r0, without a dequantized copy. */
    void fusedPanel(int panel, float[] x, int r0, int n, float[] y);
}
