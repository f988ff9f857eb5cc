package dev.fairway.testkit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files (ggml-org/ggml docs/gguf.md) for tests and benchmarks: metadata of the Java types
 * {@code GgufFile} reads back, and tensors in F32, Q8_0, Q4_K or Q6_K, quantized by {@link GgufQuantizer} (simple
 * round-to-nearest quantizers: the layouts are llama.cpp's, the rounding is not its search). Tensors are given as
 * suppliers and written one at a time, so a 1B-parameter file never needs its floats in memory at once.
 */
public final class GgufWriter {
    private static final int ALIGNMENT = 32;

    /** A tensor: name, GGUF shape (ne[0] = row length first), type, and its values row-major when asked. */
    public record Tensor(String name, long[] ne, GgufQuantizer.Type type, java.util.function.Supplier<float[]> values) {
        long bytes() {
            long n = 1;
            for (long d : ne) n *= d;
            return type.bytesFor(n);
        }
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** Adds a metadata value: Integer (uint32), Long (uint64), Float, Double, Boolean, String, or arrays of them. */
    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter tensor(String name, long[] ne, GgufQuantizer.Type type, java.util.function.Supplier<float[]> v) {
        tensors.add(new Tensor(name, ne, type, v));
        return this;
    }

    public void write(Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            Sink s = new Sink(out);
            s.i32(0x46554747);
            s.i32(3);
            s.i64(tensors.size());
            s.i64(metadata.size());
            for (var e : metadata.entrySet()) {
                s.str(e.getKey());
                value(s, e.getValue());
            }
            long offset = 0;
            for (Tensor t : tensors) {
                s.str(t.name());
                s.i32(t.ne().length);
                for (long d : t.ne()) s.i64(d);
                s.i32(t.type().id);
                s.i64(offset);
                offset = align(offset + t.bytes());
            }
            s.pad();
            for (Tensor t : tensors) {
                byte[] data = GgufQuantizer.quantize(t.type(), t.values().get());
                if (data.length != t.bytes()) throw new IllegalStateException(t.name() + ": wrong size");
                s.bytes(data);
                s.pad();
            }
        }
    }

    private static long align(long p) {
        return (p + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void value(Sink s, Object v) throws IOException {
        switch (v) {
            case Integer i -> {
                s.i32(4);
                s.i32(i);
            }
            case Long l -> {
                s.i32(10);
                s.i64(l);
            }
            case Float f -> {
                s.i32(6);
                s.i32(Float.floatToIntBits(f));
            }
            case Double d -> {
                s.i32(12);
                s.i64(Double.doubleToLongBits(d));
            }
            case Boolean b -> {
                s.i32(7);
                s.bytes(new byte[] {(byte) (b ? 1 : 0)});
            }
            case String str -> {
                s.i32(8);
                s.str(str);
            }
            case int[] a -> array(s, 5, a.length, i -> s.i32(a[i]));
            case long[] a -> array(s, 11, a.length, i -> s.i64(a[i]));
            case float[] a -> array(s, 6, a.length, i -> s.i32(Float.floatToIntBits(a[i])));
            case double[] a -> array(s, 12, a.length, i -> s.i64(Double.doubleToLongBits(a[i])));
            case boolean[] a -> array(s, 7, a.length, i -> s.bytes(new byte[] {(byte) (a[i] ? 1 : 0)}));
            case String[] a -> array(s, 8, a.length, i -> s.str(a[i]));
            default -> throw new IllegalArgumentException("no GGUF type for " + v.getClass());
        }
    }

    private interface Element {
        void write(int i) throws IOException;
    }

    private static void array(Sink s, int type, int n, Element e) throws IOException {
        s.i32(9);
        s.i32(type);
        s.i64(n);
        for (int i = 0; i < n; i++) e.write(i);
    }

    /** Little-endian output that knows its position (for alignment padding). */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long pos;

        Sink(OutputStream out) {
            this.out = out;
        }

        void i32(int v) throws IOException {
            b.clear();
            b.putInt(v);
            out.write(b.array(), 0, 4);
            pos += 4;
        }

        void i64(long v) throws IOException {
            b.clear();
            b.putLong(v);
            out.write(b.array(), 0, 8);
            pos += 8;
        }

        void str(String v) throws IOException {
            byte[] u = v.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            bytes(u);
        }

        void bytes(byte[] v) throws IOException {
            out.write(v);
            pos += v.length;
        }

        void pad() throws IOException {
            while (pos % ALIGNMENT != 0) bytes(new byte[1]);
        }
    }
}
