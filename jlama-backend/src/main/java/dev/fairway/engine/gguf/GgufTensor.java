package dev.fairway.engine.gguf;

import java.util.Arrays;

/**
 * One tensor's descriptor. {@code ne[0]} is the contiguous row length (GGUF order); {@code offset} is absolute in the
 * file.
 */
public record GgufTensor(String name, GgmlType type, long[] ne, long offset) {
    public long elements() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    public long bytes() {
        return type.bytesFor(elements());
    }

    /** Row length (ne[0]). */
    public int cols() {
        return Math.toIntExact(ne[0]);
    }

    /** Number of rows (product of ne[1..]). */
    public int rows() {
        return Math.toIntExact(elements() / ne[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t
                && t.name.equals(name)
                && t.type == type
                && Arrays.equals(t.ne, ne)
                && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }
}
