package dev.fairway.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Minimal safetensors writer for F32 tensors: 8-byte little-endian header length, JSON header (padded with spaces
 * to a multiple of 8), then the raw little-endian data of every tensor in declaration order. Tensor data is produced
 * by a {@link Filler} in row-major chunks, so files larger than the heap can be written.
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {}

    /** Fills {@code dst[0..dst.length)} with the elements starting at flat index {@code offset} of the tensor. */
    @FunctionalInterface
    public interface Filler {
        void fill(long offset, float[] dst);
    }

    public record Tensor(String name, long[] shape, Filler filler) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20; // floats per write

    /** Writes {@code tensors} (all F32) to {@code file}, with {@code metadata} (may be empty) as __metadata__. */
    public static void write(Path file, List<Tensor> tensors, java.util.Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode md = header.putObject("__metadata__");
            metadata.forEach(md::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", "F32");
            var shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long bytes = t.elements() * Float.BYTES;
            var offs = n.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            float[] tmp = new float[CHUNK];
            for (Tensor t : tensors) {
                long total = t.elements();
                for (long done = 0; done < total; ) {
                    int n = (int) Math.min(CHUNK, total - done);
                    float[] dst = n == CHUNK ? tmp : new float[n];
                    t.filler().fill(done, dst);
                    buf.clear();
                    buf.asFloatBuffer().put(dst, 0, n);
                    buf.limit(n * Float.BYTES);
                    while (buf.hasRemaining()) ch.write(buf);
                    done += n;
                }
            }
        }
    }
}
