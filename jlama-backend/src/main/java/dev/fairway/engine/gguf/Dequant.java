package dev.fairway.engine.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ggml block formats to float32, following the block layouts of llama.cpp's ggml-common.h and the reference
 * dequantization of ggml-quants.c (written from the format description, checked against gguf-py's output).
 */
public final class Dequant {
    private Dequant() {}

    /** The supported types, for error messages. */
    public static String supportedTypes() {
        return Arrays.stream(GgmlType.values())
                .filter(t -> t.supported)
                .map(Enum::name)
                .collect(Collectors.joining(", "));
    }

    /** Fails with a message naming the tensor and its type when the type cannot be dequantized. */
    public static void requireSupported(GgufTensor t) {
        if (!t.type().supported) {
            throw new GgufException("Tensor " + t.name() + " has ggml type " + t.type() + ", which Fairway cannot read "
                    + "(supported: " + supportedTypes() + ")");
        }
    }

    /**
     * Dequantizes {@code count} values of tensor {@code t} starting at element {@code from} (both multiples of the
     * block size) into {@code out[outOff..]}; {@code seg} holds the tensor's data from index 0 (any byte order).
     */
    public static void dequantize(GgufTensor t, ByteBuffer data, long from, long count, float[] out, int outOff) {
        ByteBuffer seg = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        requireSupported(t);
        GgmlType type = t.type();
        if (from % type.blockSize != 0 || count % type.blockSize != 0) {
            throw new IllegalArgumentException("unaligned range " + from + "+" + count + " for " + type);
        }
        int blocks = (int) (count / type.blockSize);
        int p = Math.toIntExact(from / type.blockSize * type.blockBytes);
        int o = outOff;
        switch (type) {
            case F32 ->
                seg.slice(p, Math.toIntExact(4 * count))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(out, o, (int) count);
            case F16 -> {
                for (int i = 0; i < count; i++) out[o + i] = f16(seg, p + 2 * i);
            }
            case BF16 -> {
                for (int i = 0; i < count; i++)
                    out[o + i] = Float.intBitsToFloat((seg.getShort(p + 2 * i) & 0xFFFF) << 16);
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++, p += 34, o += 32) {
                    float d = f16(seg, p);
                    for (int j = 0; j < 32; j++) out[o + j] = d * seg.get(p + 2 + j);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++, p += 18, o += 32) {
                    float d = f16(seg, p);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(seg, p + 2 + j);
                        out[o + j] = ((q & 0xF) - 8) * d;
                        out[o + j + 16] = ((q >> 4) - 8) * d;
                    }
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++, p += 20, o += 32) {
                    float d = f16(seg, p), m = f16(seg, p + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(seg, p + 4 + j);
                        out[o + j] = (q & 0xF) * d + m;
                        out[o + j + 16] = (q >> 4) * d + m;
                    }
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++, p += 22, o += 32) {
                    float d = f16(seg, p);
                    int qh = seg.getInt(p + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(seg, p + 6 + j);
                        int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
                        out[o + j] = (((q & 0xF) | h0) - 16) * d;
                        out[o + j + 16] = (((q >> 4) | h1) - 16) * d;
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++, p += 144, o += 256) {
                    float d = f16(seg, p), dmin = f16(seg, p + 2);
                    int sc = p + 4, qs = p + 16;
                    for (int g = 0; g < 4; g++) { // 64 values: low nibbles then high nibbles of 32 bytes
                        float d1 = d * scaleK4(seg, sc, 2 * g), m1 = dmin * minK4(seg, sc, 2 * g);
                        float d2 = d * scaleK4(seg, sc, 2 * g + 1), m2 = dmin * minK4(seg, sc, 2 * g + 1);
                        for (int l = 0; l < 32; l++) {
                            int q = u8(seg, qs + 32 * g + l);
                            out[o + 64 * g + l] = d1 * (q & 0xF) - m1;
                            out[o + 64 * g + 32 + l] = d2 * (q >> 4) - m2;
                        }
                    }
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++, p += 176, o += 256) {
                    float d = f16(seg, p), dmin = f16(seg, p + 2);
                    int sc = p + 4, qh = p + 16, qs = p + 48;
                    for (int g = 0; g < 4; g++) {
                        float d1 = d * scaleK4(seg, sc, 2 * g), m1 = dmin * minK4(seg, sc, 2 * g);
                        float d2 = d * scaleK4(seg, sc, 2 * g + 1), m2 = dmin * minK4(seg, sc, 2 * g + 1);
                        int u1 = 1 << (2 * g), u2 = 2 << (2 * g);
                        for (int l = 0; l < 32; l++) {
                            int q = u8(seg, qs + 32 * g + l), h = u8(seg, qh + l);
                            out[o + 64 * g + l] = d1 * ((q & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                            out[o + 64 * g + 32 + l] = d2 * ((q >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                        }
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++, p += 210, o += 256) {
                    int ql = p, qh = p + 128, sc = p + 192;
                    float d = f16(seg, p + 208);
                    for (int half = 0; half < 2; half++) {
                        int l0 = ql + 64 * half, h0 = qh + 32 * half, s0 = sc + 8 * half;
                        int y = o + 128 * half;
                        for (int l = 0; l < 32; l++) {
                            int is = l / 16, a = u8(seg, l0 + l), c = u8(seg, l0 + l + 32), h = u8(seg, h0 + l);
                            int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                            int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                            int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                            int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                            out[y + l] = d * i8(seg, s0 + is) * q1;
                            out[y + l + 32] = d * i8(seg, s0 + is + 2) * q2;
                            out[y + l + 64] = d * i8(seg, s0 + is + 4) * q3;
                            out[y + l + 96] = d * i8(seg, s0 + is + 6) * q4;
                        }
                    }
                }
            }
            default -> throw new IllegalStateException("unreachable: " + type);
        }
    }

    /** The 6-bit scale j (0..7) of a Q4_K/Q5_K block's 12 packed scale bytes. */
    private static int scaleK4(ByteBuffer s, int sc, int j) {
        return j < 4 ? u8(s, sc + j) & 63 : (u8(s, sc + j + 4) & 0xF) | ((u8(s, sc + j - 4) >> 6) << 4);
    }

    /** The 6-bit min j (0..7). */
    private static int minK4(ByteBuffer s, int sc, int j) {
        return j < 4 ? u8(s, sc + j + 4) & 63 : (u8(s, sc + j + 4) >> 4) | ((u8(s, sc + j) >> 6) << 4);
    }

    private static int u8(ByteBuffer s, int at) {
        return Byte.toUnsignedInt(s.get(at));
    }

    private static int i8(ByteBuffer s, int at) {
        return s.get(at);
    }

    static float f16(ByteBuffer s, int at) {
        return Float.float16ToFloat(s.getShort(at));
    }
}
