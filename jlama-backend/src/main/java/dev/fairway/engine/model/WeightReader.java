package dev.fairway.engine.model;

import dev.fairway.engine.jlama.JlamaWeights;
import dev.fairway.engine.kernels.Q4Matrix;
import dev.fairway.engine.kernels.Q8Matrix;
import dev.fairway.engine.kernels.WeightMatrix;
import java.io.File;
import java.util.List;

/**
 * Reads a model folder's tensors (through {@link JlamaWeights}) and turns them into the weight matrices of the target
 * type, quantizing or fusing on the way.
 */
final class WeightReader implements AutoCloseable {
    private final JlamaWeights tensors;
    private final String targetType;

    WeightReader(File folder, String targetType) {
        this.tensors = new JlamaWeights(folder);
        this.targetType = targetType;
    }

    boolean has(String name) {
        return tensors.has(name);
    }

    /** A 1-D tensor (norms, biases) as floats. */
    float[] vector(String name) {
        return tensors.vector(name);
    }

    /** A dequantized [rows x cols] matrix as floats (for embedding lookup). */
    float[] matrixFloats(String name, int rows, int cols) {
        return toFloats(matrix(name, rows, cols));
    }

    /** Several matrices with equal cols stacked row-wise into one, in the target (or stored) type. */
    WeightMatrix fused(int cols, List<String> names, List<Integer> rows) {
        WeightMatrix[] parts = new WeightMatrix[names.size()];
        for (int i = 0; i < parts.length; i++) parts[i] = matrix(names.get(i), rows.get(i), cols);
        return stack(parts);
    }

    WeightMatrix single(String name, int rows, int cols) {
        return stack(new WeightMatrix[] {matrix(name, rows, cols)});
    }

    private WeightMatrix matrix(String name, int rows, int cols) {
        return tensors.matrix(name, rows, cols);
    }

    /** Concatenates rows; converts to the target type (or keeps a quantized stored type when none is asked). */
    private WeightMatrix stack(WeightMatrix[] parts) {
        int cols = parts[0].cols(), rows = 0;
        for (WeightMatrix p : parts) rows += p.rows();
        String stored = parts[0].type();
        boolean sameType = true;
        for (WeightMatrix p : parts) sameType &= p.type().equals(stored);
        String want = targetType != null ? targetType : (sameType ? stored : "F32");
        if (sameType && stored.equals(want) && !want.equals("F32")) {
            return concatQuantized(parts, rows, cols);
        }
        float[] all = new float[rows * cols];
        int off = 0;
        for (WeightMatrix p : parts) {
            float[] f = toFloats(p);
            System.arraycopy(f, 0, all, off, f.length);
            off += f.length;
        }
        return Quantizer.convert(want, rows, cols, all);
    }

    private static WeightMatrix concatQuantized(WeightMatrix[] parts, int rows, int cols) {
        if (parts.length == 1) return parts[0];
        int qLen = 0, sLen = 0;
        for (WeightMatrix p : parts) {
            qLen += p instanceof Q4Matrix q4 ? q4.q().length : ((Q8Matrix) p).q().length;
            sLen += p instanceof Q4Matrix q4 ? q4.scales().length : ((Q8Matrix) p).scales().length;
        }
        byte[] q = new byte[qLen];
        float[] s = new float[sLen];
        int qo = 0, so = 0;
        for (WeightMatrix p : parts) {
            byte[] pq = p instanceof Q4Matrix q4 ? q4.q() : ((Q8Matrix) p).q();
            float[] ps = p instanceof Q4Matrix q4 ? q4.scales() : ((Q8Matrix) p).scales();
            System.arraycopy(pq, 0, q, qo, pq.length);
            System.arraycopy(ps, 0, s, so, ps.length);
            qo += pq.length;
            so += ps.length;
        }
        return parts[0] instanceof Q4Matrix ? new Q4Matrix(rows, cols, q, s) : new Q8Matrix(rows, cols, q, s);
    }

    static float[] toFloats(WeightMatrix m) {
        if (m.floats() != null) return m.floats();
        float[] out = new float[m.rows() * m.cols()];
        m.dequantize(0, m.rows(), out);
        return out;
    }

    @Override
    public void close() throws Exception {
        tensors.close();
    }
}
