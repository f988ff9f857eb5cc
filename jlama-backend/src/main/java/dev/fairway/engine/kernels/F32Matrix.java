package dev.fairway.engine.kernels;

/** Plain float weights, row-major. */
public record F32Matrix(int rows, int cols, float[] data) implements WeightMatrix {
    public F32Matrix {
        if ((long) rows * cols != data.length) throw new IllegalArgumentException("shape/data mismatch");
    }

    @Override
    public String type() {
        return "F32";
    }

    @Override
    public long bytes() {
        return 4L * data.length;
    }

    @Override
    public float[] floats() {
        return data;
    }

    @Override
    public void dequantize(int row, int count, float[] dst) {
        System.arraycopy(data, row * cols, dst, 0, count * cols);
    }
}
