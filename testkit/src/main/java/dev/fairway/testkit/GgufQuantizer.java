package dev.fairway.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Round-to-nearest quantizers into ggml's block layouts (llama.cpp ggml-common.h): Q8_0 (32 values: f16 scale, 32
 * int8), Q4_K (256 values: f16 d and dmin, 8 six-bit scales and mins packed in 12 bytes, 4-bit values) and Q6_K (256
 * values: 4+2-bit values, 16 int8 scales, f16 d). Good enough for test files and benchmarks, where only the layout
 * and a faithful round trip matter; llama.cpp's quantizers search for better scales.
 */
public final class GgufQuantizer {
    private GgufQuantizer() {}

    /** Tensor types this writes, with their GGUF ids and block shapes. */
    public enum Type {
        F32(0, 1, 4),
        Q8_0(8, 32, 34),
        Q4_K(12, 256, 144),
        Q6_K(14, 256, 210);
        public final int id, blockSize, blockBytes;

        Type(int id, int blockSize, int blockBytes) {
            this.id = id;
            this.blockSize = blockSize;
            this.blockBytes = blockBytes;
        }

        public long bytesFor(long elements) {
            if (elements % blockSize != 0) throw new IllegalArgumentException(elements + " values for " + this);
            return elements / blockSize * blockBytes;
        }
    }

    public static byte[] quantize(Type type, float[] x) {
        ByteBuffer out =
                ByteBuffer.allocate(Math.toIntExact(type.bytesFor(x.length))).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < x.length; b += type.blockSize) {
            switch (type) {
                case F32 -> out.putFloat(x[b]);
                case Q8_0 -> q8(x, b, out);
                case Q4_K -> q4k(x, b, out);
                case Q6_K -> q6k(x, b, out);
            }
        }
        return out.array();
    }

    private static void q8(float[] x, int o, ByteBuffer out) {
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[o + i]));
        float d = amax / 127;
        out.putShort(Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) out.put((byte) (d == 0 ? 0 : Math.round(x[o + i] / d)));
    }

    private static void q4k(float[] x, int o, ByteBuffer out) {
        float[] scale = new float[8], min = new float[8];
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = 0; // the minimum is clipped at 0, as ggml does
            for (int i = 0; i < 32; i++) {
                lo = Math.min(lo, x[o + 32 * j + i]);
                hi = Math.max(hi, x[o + 32 * j + i]);
            }
            scale[j] = (hi - lo) / 15;
            min[j] = -lo;
        }
        float d = max(scale) / 63, dmin = max(min) / 63;
        // the f16 values the reader will see, so the 4-bit values are rounded against what it reconstructs
        d = Float.float16ToFloat(Float.floatToFloat16(d));
        dmin = Float.float16ToFloat(Float.floatToFloat16(dmin));
        int[] sc = new int[8], m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d == 0 ? 0 : Math.min(63, Math.round(scale[j] / d));
            m[j] = dmin == 0 ? 0 : Math.min(63, Math.round(min[j] / dmin));
        }
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(dmin));
        byte[] packed = new byte[12];
        for (int i = 0; i < 4; i++) {
            packed[i] = (byte) (sc[i] | ((sc[i + 4] >> 4) << 6));
            packed[i + 4] = (byte) (m[i] | ((m[i + 4] >> 4) << 6));
            packed[i + 8] = (byte) ((sc[i + 4] & 0xF) | ((m[i + 4] & 0xF) << 4));
        }
        out.put(packed);
        int[] q = new int[256];
        for (int j = 0; j < 8; j++) {
            float step = d * sc[j], shift = dmin * m[j];
            for (int i = 0; i < 32; i++) {
                int v = step == 0 ? 0 : Math.round((x[o + 32 * j + i] + shift) / step);
                q[32 * j + i] = Math.max(0, Math.min(15, v));
            }
        }
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) out.put((byte) (q[64 * g + l] | (q[64 * g + 32 + l] << 4)));
        }
    }

    private static void q6k(float[] x, int o, ByteBuffer out) {
        float[] scale = new float[16];
        for (int j = 0; j < 16; j++) {
            float amax = 0;
            for (int i = 0; i < 16; i++) amax = Math.max(amax, Math.abs(x[o + 16 * j + i]));
            scale[j] = amax / 31;
        }
        float d = Float.float16ToFloat(Float.floatToFloat16(max(scale) / 127));
        int[] sc = new int[16], q = new int[256];
        for (int j = 0; j < 16; j++) {
            sc[j] = d == 0 ? 0 : Math.min(127, Math.round(scale[j] / d));
            float step = d * sc[j];
            for (int i = 0; i < 16; i++) {
                int v = step == 0 ? 0 : Math.round(x[o + 16 * j + i] / step);
                q[16 * j + i] = Math.max(-32, Math.min(31, v)) + 32;
            }
        }
        byte[] ql = new byte[128], qh = new byte[64];
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * h + l], q2 = q[128 * h + 32 + l], q3 = q[128 * h + 64 + l], q4 = q[128 * h + 96 + l];
                ql[64 * h + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[64 * h + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[32 * h + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        out.put(ql);
        out.put(qh);
        for (int j = 0; j < 16; j++) out.put((byte) sc[j]);
        out.putShort(Float.floatToFloat16(d));
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) m = Math.max(m, f);
        return m;
    }
}
