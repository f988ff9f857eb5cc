package dev.fairway.engine.model;

import dev.fairway.engine.kernels.F32Matrix;
import dev.fairway.engine.kernels.Q4Matrix;
import dev.fairway.engine.kernels.Q8Matrix;
import dev.fairway.engine.kernels.WeightMatrix;
import java.util.stream.IntStream;

/**
 * Quantize-on-load. Q4 uses jlama's rounding (scale = signed absmax / -8, nibble = min(15, (int)(x/scale + 8.5)))
 * so a model quantized here holds exactly the weights jlama would hold.
 */
public final class Quantizer {
    private Quantizer() {}

    public static WeightMatrix convert(String type, int rows, int cols, float[] w) {
        if (type == null || type.equals("F32") || cols % 32 != 0) return new F32Matrix(rows, cols, w);
        return switch (type) {
            case "Q4" -> q4(rows, cols, w);
            case "Q8" -> Q8Matrix.quantize(rows, cols, w);
            default -> throw new IllegalArgumentException("Unknown weight type " + type + " (use Q4, Q8 or F32)");
        };
    }

    public static Q4Matrix q4(int rows, int cols, float[] w) {
        int blocks = rows * cols / 32;
        byte[] q = new byte[blocks * 16];
        float[] scales = new float[blocks];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int base = b * 32;
            float max = 0, amax = 0;
            for (int i = 0; i < 32; i++) {
                float v = w[base + i];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float scale = max / -8f;
            float inv = scale != 0f ? 1f / scale : 0f;
            scales[b] = scale;
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (byte) (w[base + j] * inv + 8.5f));
                int hi = Math.min(15, (byte) (w[base + j + 16] * inv + 8.5f));
                q[b * 16 + j] = (byte) ((lo & 0x0F) | (hi << 4));
            }
        });
        return new Q4Matrix(rows, cols, q, scales);
    }
}
