package dev.fairway.engine.kernels;

/**
 * A [rows x cols] weight (out features x in features), applied as y = x W^T to a batch of activation rows.
 * Implementations differ only in how a weight row is stored; the batched product is shared in {@link MatMul}.
 */
public interface WeightMatrix {
    int rows();

    int cols();

    String type();

    long bytes();

    /** Writes rows [row, row+count) as floats into dst (row-major, cols each). */
    void dequantize(int row, int count, float[] dst);

    /** F32 storage can be read in place; quantized types return null. */
    default float[] floats() {
        return null;
    }
}
