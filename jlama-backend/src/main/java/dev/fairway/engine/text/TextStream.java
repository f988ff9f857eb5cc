package dev.fairway.engine.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a choice's tokens into text deltas for streaming: a delta never ends inside a UTF-8 character and never
 * contains a prefix of a stop string that might still complete. When a stop string appears, the text is cut before it.
 */
public final class TextStream {
    private final TextCodec codec;
    private final List<String> stops;
    private final int maxStop;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private String text = "";
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
        bytes.writeBytes(codec.tokenBytes(token));
        byte[] all = bytes.toByteArray();
        int complete = completePrefix(all);
        int searchFrom = Math.max(0, text.length() - maxStop);
        text = new String(all, 0, complete, StandardCharsets.UTF_8);
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, searchFrom - s.length()));
            if (at >= 0 && at >= emitted) {
                text = text.substring(0, at);
                stopped = true;
            }
        }
        int safe = stopped ? text.length() : text.length() - heldBack(text);
        if (safe <= emitted) return "";
        String delta = text.substring(emitted, safe);
        emitted = safe;
        return delta;
    }

    /** Everything not yet emitted (at finish: held-back stop prefixes were not stops after all). */
    public String flush() {
        if (!stopped) {
            text = bytes.toString(StandardCharsets.UTF_8);
        }
        String rest = emitted < text.length() ? text.substring(emitted) : "";
        emitted = text.length();
        return rest;
    }

    public boolean stopped() { return stopped; }

    public String text() { return text; }

    /** Length of the longest suffix of t that is a proper prefix of some stop string. */
    private int heldBack(String t) {
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
