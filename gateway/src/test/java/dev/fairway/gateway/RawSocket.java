package dev.fairway.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.1 over a plain socket, for what an HTTP client will not send: malformed, trickled, or nothing at all. */
public final class RawSocket implements AutoCloseable {
    public record Response(int status, Map<String, String> headers, String body) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Taken just before connecting: never later than the moment the server starts timing the connection. */
    public final long connectingNanos;

    public RawSocket(int port) {
        try {
            connectingNanos = System.nanoTime();
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** False once the server has closed the connection. */
    public boolean send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public boolean send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** Sends one byte every {@code gapMillis} from a daemon thread until all is sent or the server closes. */
    public Thread trickle(String text, long gapMillis) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        Thread t = Thread.ofPlatform().daemon().name("trickle").start(() -> {
            for (byte b : bytes) {
                if (!send(new byte[] {b})) return;
                try {
                    Thread.sleep(gapMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return t;
    }

    /** One response, framed by Content-Length (the server's JSON answers all have one). */
    public Response readResponse(long timeoutMillis) {
        try {
            socket.setSoTimeout((int) timeoutMillis);
            String head = readHead();
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0)
                throw new IOException(
                        "closed after " + head.size() + " bytes: " + head.toString(StandardCharsets.ISO_8859_1));
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1).trim();
    }

    /**
     * Reads (discarding) until the server closes; the milliseconds since {@code fromNanos}, or -1 if the
     * connection is still open after {@code limitMillis}. {@code received} collects what was read.
     */
    public long millisUntilClosed(long fromNanos, long limitMillis, ByteArrayOutputStream received) {
        long deadline = fromNanos + limitMillis * 1_000_000L;
        byte[] buf = new byte[4096];
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) return -1;
                socket.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return -1;
                } catch (SocketException reset) {
                    n = -1;
                }
                if (n < 0) return (System.nanoTime() - fromNanos) / 1_000_000L;
                if (received != null) received.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }
}
