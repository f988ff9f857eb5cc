package dev.fairway.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), per ggml's docs/gguf.md: header, metadata key/values, tensor
 * descriptors, and the tensor data memory-mapped (nothing is copied to the heap until a tensor is dequantized; each
 * tensor is mapped on its own, so a file may exceed 2 GB as long as no single tensor does).
 *
 * <p>Metadata values: integers up to 32 bits as {@link Integer} (UINT32 too, unsigned values above 2^31 wrap: use
 * {@link #uint}), 64-bit ones as {@link Long}, FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String}; arrays as int[] / long[] / float[] / double[] / boolean[] / String[]
 * (arrays of arrays as Object[]).
 */
public final class GgufFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian

    private final Path path;
    private final FileChannel channel;
    private final long size;
    /** The header region (at most the first 2 GB) while parsing. */
    private final ByteBuffer data;

    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensor> tensors;
    private final long alignment;
    private final long dataStart;
    private long pos;

    private GgufFile(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            this.size = channel.size();
            this.data = channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE - 8))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (data.capacity() < 4 || data.getInt(0) != MAGIC) {
                throw error("not a GGUF file (no GGUF magic at the start)");
            }
            pos = 4;
            int v = readI32("version");
            if (v == 1) throw error("GGUF version 1 is not supported (only versions 2 and 3)");
            if (v != 2 && v != 3) {
                throw error(
                        Integer.reverseBytes(v) == 2 || Integer.reverseBytes(v) == 3
                                ? "big-endian GGUF files are not supported"
                                : "unsupported GGUF version " + v + " (supported: 2, 3)");
            }
            version = v;
            long nTensors = readCount("tensor count", 8 + 8 + 4 + 8);
            long nKv = readCount("metadata count", 8 + 4);
            Map<String, Object> md = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                String key = readString("metadata key #" + i);
                int type = readI32("type of metadata " + key);
                md.put(key, readValue(type, key));
            }
            metadata = Collections.unmodifiableMap(md);
            Object al = md.get("general.alignment");
            alignment = al == null ? 32 : ((Number) al).longValue();
            if (alignment <= 0 || Long.bitCount(alignment) != 1)
                throw error("general.alignment " + al + " is not a power of two");
            Map<String, GgufTensor> ts = new LinkedHashMap<>();
            record Info(String name, long[] ne, int type, long offset) {}
            Info[] infos = new Info[(int) nTensors];
            for (int i = 0; i < nTensors; i++) {
                String name = readString("tensor name #" + i);
                int nDims = readI32("dimensions of tensor " + name);
                if (nDims < 1 || nDims > 4)
                    throw error("tensor " + name + " has " + nDims + " dimensions (1 to 4 allowed)");
                long[] ne = new long[nDims];
                for (int d = 0; d < nDims; d++) {
                    ne[d] = readI64("shape of tensor " + name);
                    if (ne[d] <= 0) throw error("tensor " + name + " has dimension " + ne[d]);
                }
                int type = readI32("type of tensor " + name);
                long offset = readI64("offset of tensor " + name);
                infos[i] = new Info(name, ne, type, offset);
            }
            dataStart = align(pos);
            for (Info in : infos) {
                GgmlType t = GgmlType.byId(in.type);
                if (t == null) throw error("tensor " + in.name + " has unknown ggml type id " + in.type);
                long elements = 1;
                for (long d : in.ne) elements = Math.multiplyExact(elements, d);
                if (in.ne[0] % t.blockSize != 0) {
                    throw error("tensor " + in.name + " (" + t + ") has rows of " + in.ne[0]
                            + " values, not a multiple of " + t.blockSize);
                }
                if (in.offset % alignment != 0)
                    throw error("tensor " + in.name + " data offset " + in.offset + " is not aligned");
                long start = dataStart + in.offset, bytes = t.bytesFor(elements);
                if (in.offset < 0 || start + bytes > size) {
                    throw error("truncated: tensor " + in.name + " (" + t + ", " + bytes + " bytes at " + start
                            + ") ends past the end of the file (" + size + " bytes)");
                }
                if (ts.put(in.name, new GgufTensor(in.name, t, in.ne, start)) != null) {
                    throw error("tensor " + in.name + " appears twice");
                }
            }
            tensors = Collections.unmodifiableMap(ts);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Opens and parses a GGUF file; tensor data stays mapped until {@link #close}. */
    public static GgufFile open(Path path) throws IOException {
        return new GgufFile(path);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long alignment() {
        return alignment;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    /** A tensor's bytes, memory-mapped (read-only, little-endian). */
    public ByteBuffer data(GgufTensor t) {
        if (t.bytes() > Integer.MAX_VALUE) {
            throw new GgufException(path.getFileName() + ": tensor " + t + " holds " + (t.bytes() >> 20)
                    + " MB; tensors over 2 GB are not supported");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.bytes())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new GgufException("Cannot map tensor " + t.name() + " of " + path + ": " + e.getMessage(), e);
        }
    }

    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new GgufException(path.getFileName() + ": no tensor " + name);
        return t;
    }

    /** Values of a tensor as floats (dequantized), row-major in GGUF order. */
    public float[] floats(GgufTensor t) {
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8)
            throw new GgufException("tensor " + t.name() + " is too large for one float array");
        float[] out = new float[(int) n];
        Dequant.dequantize(t, data(t), 0, n, out, 0);
        return out;
    }

    public Object get(String key) {
        return metadata.get(key);
    }

    public String string(String key, String dflt) {
        Object v = metadata.get(key);
        return v instanceof String s ? s : dflt;
    }

    /** An integer value of any integer type; {@code dflt} if absent. */
    public long uint(String key, long dflt) {
        Object v = metadata.get(key);
        if (v == null) return dflt;
        if (v instanceof Integer i) return Integer.toUnsignedLong(i);
        if (v instanceof Number n) return n.longValue();
        throw new GgufException(
                path.getFileName() + ": metadata " + key + " is " + v.getClass().getSimpleName() + ", not an integer");
    }

    public double number(String key, double dflt) {
        Object v = metadata.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw new GgufException(path.getFileName() + ": metadata " + key + " is not a number");
    }

    public boolean bool(String key, boolean dflt) {
        return metadata.get(key) instanceof Boolean b ? b : dflt;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing to lose
        }
    }

    // ---- parsing

    private long align(long p) {
        return (p + alignment - 1) / alignment * alignment;
    }

    private GgufException error(String what) {
        return new GgufException("Cannot read GGUF file " + path + ": " + what);
    }

    private void need(long n, String what) {
        if (n < 0 || pos + n > data.capacity()) {
            throw error("truncated or corrupt: " + what + " needs " + n + " bytes at offset " + pos
                    + " but the file has " + size + " bytes");
        }
    }

    private int readI32(String what) {
        need(4, what);
        int v = data.getInt((int) pos);
        pos += 4;
        return v;
    }

    private long readI64(String what) {
        need(8, what);
        long v = data.getLong((int) pos);
        pos += 8;
        return v;
    }

    /** A count of items each at least {@code minBytes} long: rejects counts the rest of the file cannot hold. */
    private long readCount(String what, long minBytes) {
        long n = readI64(what);
        if (n < 0 || n > (data.capacity() - pos) / minBytes)
            throw error("corrupt " + what + " " + Long.toUnsignedString(n));
        return n;
    }

    private String readString(String what) {
        long n = readI64("length of " + what);
        if (n < 0 || n > Integer.MAX_VALUE) throw error("corrupt length " + Long.toUnsignedString(n) + " of " + what);
        need(n, what);
        byte[] b = new byte[(int) n];
        data.get((int) pos, b);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object readValue(int type, String key) {
        return switch (type) {
            case 0 -> {
                need(1, key);
                yield Byte.toUnsignedInt(data.get((int) pos++));
            }
            case 1 -> {
                need(1, key);
                yield (int) data.get((int) pos++);
            }
            case 2 -> {
                need(2, key);
                int v = Short.toUnsignedInt(data.getShort((int) pos));
                pos += 2;
                yield v;
            }
            case 3 -> {
                need(2, key);
                int v = data.getShort((int) pos);
                pos += 2;
                yield v;
            }
            case 4, 5 -> readI32(key);
            case 6 -> Float.intBitsToFloat(readI32(key));
            case 7 -> {
                need(1, key);
                yield data.get((int) pos++) != 0;
            }
            case 8 -> readString(key);
            case 9 -> readArray(key);
            case 10, 11 -> readI64(key);
            case 12 -> Double.longBitsToDouble(readI64(key));
            default -> throw error("metadata " + key + " has unknown value type " + type);
        };
    }

    private Object readArray(String key) {
        int type = readI32("element type of " + key);
        long n = readCount("length of array " + key, type == 8 ? 8 : 1);
        int len = (int) n;
        switch (type) {
            case 0, 1, 2, 3, 4, 5 -> {
                int[] a = new int[len];
                for (int i = 0; i < len; i++) a[i] = (Integer) readValue(type, key);
                return a;
            }
            case 6 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = Float.intBitsToFloat(readI32(key));
                return a;
            }
            case 7 -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = (Boolean) readValue(type, key);
                return a;
            }
            case 8 -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = readString("element " + i + " of " + key);
                return a;
            }
            case 10, 11 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = readI64(key);
                return a;
            }
            case 12 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = Double.longBitsToDouble(readI64(key));
                return a;
            }
            case 9 -> {
                Object[] a = new Object[len];
                for (int i = 0; i < len; i++) a[i] = readArray(key);
                return a;
            }
            default -> throw error("array " + key + " has unknown element type " + type);
        }
    }
}
