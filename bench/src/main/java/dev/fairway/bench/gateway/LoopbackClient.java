package dev.fairway.bench.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The bench's HTTP/1.1 client: one keep-alive connection, blocking reads on the caller's thread into one buffer,
 * Content-Length or chunked bodies handed over line by line. It shares the cores with the engine, so it does no
 * more than a client must: no selector thread and no hand-offs per chunk (the JDK client's threads used about four
 * times its CPU per streamed token).
 */
final class LoopbackClient implements AutoCloseable {
    private final String hostHeader;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    /** The start of a line whose end is still to come (in the next read or chunk). */
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream(512);

    LoopbackClient(URI base) throws IOException {
        int port = base.getPort() < 0 ? 80 : base.getPort();
        this.hostHeader = base.getHost() + ":" + port;
        this.socket = new Socket(base.getHost(), port);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Sends one request and passes each body line (without its line break) to {@code lines}; returns the status. */
    int exchange(String method, String path, byte[] body, Consumer<String> lines) throws IOException {
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nAccept: */*\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + (body == null ? 0 : body.length)];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        if (body != null) System.arraycopy(body, 0, request, headBytes.length, body.length);
        out.write(request); // one segment: head and body together
        out.flush();

        String status = headerLine();
        if (!status.startsWith("HTTP/1.1 ")) throw new IOException("bad status line: " + status);
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = headerLine()).isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:"))
                length = Long.parseLong(h.substring(15).trim());
            else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
        }
        if (chunked) {
            for (long size; (size = Long.parseLong(headerLine().split(";", 2)[0].trim(), 16)) > 0; ) {
                bodyLines(size, lines);
                headerLine(); // the CRLF after the chunk data
            }
            while (!headerLine().isEmpty()) {} // trailers
        } else if (length >= 0) {
            bodyLines(length, lines);
        } else {
            throw new IOException("response without Content-Length or chunked encoding");
        }
        if (partial.size() > 0) lines.accept(takePartial(null, 0, 0));
        return Integer.parseInt(status.substring(9, 12));
    }

    /** Splits the next {@code n} body bytes into lines; a line may go on in the next chunk. */
    private void bodyLines(long n, Consumer<String> lines) throws IOException {
        while (n > 0) {
            fill();
            int end = (int) Math.min(limit, pos + n);
            int start = pos;
            for (int i = pos; i < end; i++) {
                if (buf[i] != '\n') continue;
                lines.accept(takePartial(buf, start, i));
                start = i + 1;
            }
            partial.write(buf, start, end - start);
            n -= end - pos;
            pos = end;
        }
    }

    /** What is pending plus buf[from, to), without a trailing CR. */
    private String takePartial(byte[] b, int from, int to) {
        String s;
        if (partial.size() == 0) {
            s = new String(b, from, to - from, StandardCharsets.UTF_8);
        } else {
            if (b != null) partial.write(b, from, to - from);
            s = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
        }
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A status, header or chunk-size line (ASCII). */
    private String headerLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            fill();
            byte b = buf[pos++];
            if (b == '\n') break;
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }

    private void fill() throws IOException {
        if (pos < limit) return;
        int n = in.read(buf);
        if (n < 0) throw new IOException("connection closed by the server");
        pos = 0;
        limit = n;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
