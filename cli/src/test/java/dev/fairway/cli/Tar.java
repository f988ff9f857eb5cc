package dev.fairway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small reader of tar streams (ustar, pax and GNU long names) for the image test: regular files only. */
final class Tar {
    interface Visitor {
        void file(String name, InputStream content, long size) throws IOException;
    }

    private Tar() {}

    /** Visits each regular file; stops after the end-of-archive block (the rest of the stream is left unread). */
    static void read(InputStream in, Visitor visitor) throws IOException {
        byte[] header = new byte[512];
        String longName = null;
        while (in.readNBytes(header, 0, 512) == 512 && !allZero(header)) {
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            if (!prefix.isEmpty()) name = prefix + "/" + name;
            long size = Long.parseLong(text(header, 124, 12).trim(), 8);
            char type = (char) header[156];
            Bounded content = new Bounded(in, size);
            if (type == 'x') {
                longName = paxPath(new String(content.readAllBytes(), StandardCharsets.UTF_8));
            } else if (type == 'L') {
                longName = text(content.readAllBytes(), 0, (int) size);
            } else {
                if (type == '0' || type == '\0') visitor.file(longName != null ? longName : name, content, size);
                longName = null;
            }
            content.discardRest();
            discard(in, (512 - size % 512) % 512);
        }
    }

    /** The content of the entry {@code name} (a short name) of the tar file, streamed; the caller closes it. */
    static InputStream open(Path tar, String name) throws IOException {
        InputStream in = Files.newInputStream(tar);
        byte[] header = new byte[512];
        while (in.readNBytes(header, 0, 512) == 512 && !allZero(header)) {
            long size = Long.parseLong(text(header, 124, 12).trim(), 8);
            if (text(header, 0, 100).equals(name)) return new Bounded(in, size);
            discard(in, size + (512 - size % 512) % 512);
        }
        in.close();
        throw new IOException("no " + name + " in " + tar);
    }

    private static String paxPath(String records) {
        for (String record : records.split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) return record.substring(space + 6);
        }
        return null;
    }

    private static boolean allZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    private static String text(byte[] b, int from, int length) {
        int end = from;
        while (end < from + length && b[end] != 0) end++;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    /** Reads and drops (not skip(): a digesting stream must see every byte). */
    private static void discard(InputStream in, long n) throws IOException {
        byte[] buffer = new byte[8192];
        while (n > 0) {
            int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
            if (r < 0) throw new IOException("truncated tar");
            n -= r;
        }
    }

    /** At most {@code size} bytes of the underlying stream; close() closes the underlying stream. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r > 0) left -= r;
            return r;
        }

        void discardRest() throws IOException {
            discard(in, left);
            left = 0;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
