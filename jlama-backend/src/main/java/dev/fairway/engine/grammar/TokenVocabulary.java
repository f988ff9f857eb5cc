package dev.fairway.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * What masking needs to know about one tokenizer, computed once: a trie of every token's bytes (walking it from a
 * grammar state visits each valid prefix once, pruning the rest), and the tokens that are "plain" inside a JSON string
 * (whole UTF-8 characters, no quote, backslash or control byte), which every free string position accepts alike: they
 * are or-ed in as a precomputed set, and only the other tokens are walked.
 */
public final class TokenVocabulary {
    /** Plain tokens longer than this (in characters) are walked instead of precomputed. */
    static final int MAX_PLAIN_CHARS = 64;

    final TokenTrie.Node all;
    final TokenTrie.Node notPlain;
    /** plainUpTo[c]: the plain tokens of at most c characters (c > 0). */
    private final BitSet[] plainUpTo;

    final int size;

    private TokenVocabulary(TokenTrie.Node all, TokenTrie.Node notPlain, BitSet[] plainUpTo, int size) {
        this.all = all;
        this.notPlain = notPlain;
        this.plainUpTo = plainUpTo;
        this.size = size;
    }

    /** {@code tokenBytes[id]}: what token id decodes to; special tokens (and empty ones) are never offered. */
    public static TokenVocabulary of(byte[][] tokenBytes, boolean[] special) {
        List<Integer> allIds = new ArrayList<>();
        List<Integer> notPlainIds = new ArrayList<>();
        BitSet[] byChars = new BitSet[MAX_PLAIN_CHARS + 1];
        for (int c = 0; c <= MAX_PLAIN_CHARS; c++) byChars[c] = new BitSet(tokenBytes.length);
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] b = tokenBytes[id];
            if (b == null || b.length == 0 || (special != null && id < special.length && special[id])) continue;
            allIds.add(id);
            int chars = plainChars(b);
            if (chars > 0 && chars <= MAX_PLAIN_CHARS) byChars[chars].set(id);
            else notPlainIds.add(id);
        }
        for (int c = 1; c <= MAX_PLAIN_CHARS; c++) byChars[c].or(byChars[c - 1]);
        return new TokenVocabulary(
                TokenTrie.of(tokenBytes, allIds), TokenTrie.of(tokenBytes, notPlainIds), byChars, tokenBytes.length);
    }

    /** The plain tokens of at most maxChars characters. */
    BitSet plainUpTo(int maxChars) {
        return plainUpTo[Math.max(0, Math.min(maxChars, MAX_PLAIN_CHARS))];
    }

    /** How many characters b holds if it is plain string content, else -1. */
    static int plainChars(byte[] b) {
        int chars = 0;
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int len;
            if (c == '"' || c == '\\' || c < 0x20) return -1;
            if (c < 0x80) len = 1;
            else if (c >= 0xC2 && c <= 0xDF) len = 2;
            else if (c >= 0xE0 && c <= 0xEF) len = 3;
            else if (c >= 0xF0 && c <= 0xF4) len = 4;
            else return -1;
            if (i + len > b.length) return -1;
            if (len > 1 && !validUtf8(b, i, len)) return -1;
            i += len;
            chars++;
        }
        return chars;
    }

    private static boolean validUtf8(byte[] b, int i, int len) {
        int c0 = b[i] & 0xff;
        int c1 = b[i + 1] & 0xff;
        int lo = 0x80;
        int hi = 0xBF;
        if (c0 == 0xE0) lo = 0xA0;
        else if (c0 == 0xED) hi = 0x9F;
        else if (c0 == 0xF0) lo = 0x90;
        else if (c0 == 0xF4) hi = 0x8F;
        if (c1 < lo || c1 > hi) return false;
        for (int k = 2; k < len; k++) {
            int c = b[i + k] & 0xff;
            if (c < 0x80 || c > 0xBF) return false;
        }
        return true;
    }

    /** A trie of token byte strings; each node lists the tokens that end there. */
    static final class TokenTrie {
        private TokenTrie() {}

        static final class Node {
            int[] keys = new int[0];
            Node[] kids = new Node[0];
            int[] tokens = new int[0];

            private Node childOrAdd(int b) {
                int i = Arrays.binarySearch(keys, b);
                if (i >= 0) return kids[i];
                int at = -i - 1;
                Node n = new Node();
                int[] k = new int[keys.length + 1];
                System.arraycopy(keys, 0, k, 0, at);
                k[at] = b;
                System.arraycopy(keys, at, k, at + 1, keys.length - at);
                Node[] c = new Node[kids.length + 1];
                System.arraycopy(kids, 0, c, 0, at);
                c[at] = n;
                System.arraycopy(kids, at, c, at + 1, kids.length - at);
                keys = k;
                kids = c;
                return n;
            }
        }

        static Node of(byte[][] tokenBytes, List<Integer> ids) {
            Node root = new Node();
            for (int id : ids) {
                Node n = root;
                for (byte b : tokenBytes[id]) n = n.childOrAdd(b & 0xff);
                n.tokens = Arrays.copyOf(n.tokens, n.tokens.length + 1);
                n.tokens[n.tokens.length - 1] = id;
            }
            return root;
        }
    }
}
