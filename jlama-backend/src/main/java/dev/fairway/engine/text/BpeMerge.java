package dev.fairway.engine.text;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Pairwise BPE merging over the code points of a piece, best pair first (leftmost on ties), with a queue so a long
 * piece costs n log n rather than n² (jlama's loop is quadratic). SentencePiece vocabularies rank pairs by score,
 * byte-level ones by merge rank.
 */
public final class BpeMerge {
    private BpeMerge() {}

    /** A pair's priority (higher merges first), or NaN when the pair does not merge. */
    public interface Priority {
        double of(String merged, String left, String right);
    }

    /** Queue entry: symbols left and right (indexes), priority, merged length (stale entries are skipped). */
    private record Bigram(int left, int right, double priority, int size) {}

    /** The symbols {@code text} merges into. */
    public static String[] merge(String text, Priority prio) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            start[i] = at;
            len[i] = Character.charCount(text.codePointAt(at));
            at += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> q = new PriorityQueue<>((a, b) ->
                a.priority != b.priority ? Double.compare(b.priority, a.priority) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < n; i++) addBigram(text, start, len, i, i + 1, prio, q);
        while (!q.isEmpty()) {
            Bigram b = q.poll();
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.size) continue;
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) prev[next[b.right]] = b.left;
            if (prev[b.left] >= 0) addBigram(text, start, len, prev[b.left], b.left, prio, q);
            if (next[b.left] >= 0) addBigram(text, start, len, b.left, next[b.left], prio, q);
        }
        List<String> out = new ArrayList<>();
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.add(text.substring(start[i], start[i] + len[i]));
        return out.toArray(new String[0]);
    }

    private static void addBigram(
            String text, int[] start, int[] len, int l, int r, Priority prio, PriorityQueue<Bigram> q) {
        String left = text.substring(start[l], start[l] + len[l]), right = text.substring(start[r], start[r] + len[r]);
        double p = prio.of(left + right, left, right);
        if (!Double.isNaN(p)) q.add(new Bigram(l, r, p, len[l] + len[r]));
    }
}
