package dev.fairway.engine.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a choice's tokens into text deltas for streaming: a delta never ends inside a UTF-8 character and never
 * contains a prefix of a stop string that might still complete. When a stop string appears, the text is cut before it.
 */
public final class TextStream {
    private final TextCodec codec;
    private final List<String> stops;
    private final int maxStop;
    /** Bytes of a UTF-8 character whose remaining bytes have not arrived yet (at most 3). */
    private byte[] pending = new byte[0];

    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    public TextStream(TextCodec codec, List<String> stops) {
        this.codec = codec;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.maxStop = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds a token; returns the newly final text (maybe ""). After a stop string, stopped() is true. */
    public String add(int token) {
        if (stopped) return "";
        byte[] tokenBytes = codec.tokenBytes(token);
        byte[] all = new byte[pending.length + tokenBytes.length];
        System.arraycopy(pending, 0, all, 0, pending.length);
        System.arraycopy(tokenBytes, 0, all, pending.length, tokenBytes.length);
        int complete = completePrefix(all);
        pending = Arrays.copyOfRange(all, complete, all.length);
        // Only the new text and the stop-length tail before it can hold a stop string that was not there before.
        int searchFrom = Math.max(emitted, text.length() - maxStop);
        text.append(new String(all, 0, complete, StandardCharsets.UTF_8));
        for (String s : stops) {
            int at = text.indexOf(s, searchFrom);
            if (at >= 0) {
                text.setLength(at);
                stopped = true;
            }
        }
        int safe = stopped ? text.length() : text.length() - heldBack();
        if (safe <= emitted) return "";
        String delta = text.substring(emitted, safe);
        emitted = safe;
        return delta;
    }

    /** Everything not yet emitted (at finish: held-back stop prefixes were not stops after all). */
    public String flush() {
        if (!stopped && pending.length > 0) {
            text.append(new String(pending, StandardCharsets.UTF_8));
            pending = new byte[0];
        }
        String rest = emitted < text.length() ? text.substring(emitted) : "";
        emitted = text.length();
        return rest;
    }

    public boolean stopped() {
        return stopped;
    }

    public String text() {
        return text.toString();
    }

    /** Length of the longest suffix of the text that is a proper prefix of some stop string. */
    private int heldBack() {
        String t = text.substring(Math.max(0, text.length() - maxStop));
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, t.length()); k > best; k--) {
                if (t.regionMatches(t.length() - k, s, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    /** Bytes up to the last complete UTF-8 character. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
