package dev.fairway.engine.grammar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;

/** A trie of literal byte strings (enum values, property names, keywords): one node per prefix. */
final class LiteralTrie {
    private LiteralTrie() {}

    static final class Node {
        private int[] keys = new int[0];
        private Node[] kids = new Node[0];
        boolean terminal;
        /** The fewest bytes from here to the end of some literal. */
        int minToEnd;

        Node child(int b) {
            int i = Arrays.binarySearch(keys, b);
            return i < 0 ? null : kids[i];
        }

        boolean isLeaf() {
            return keys.length == 0;
        }

        private Node childOrAdd(int b) {
            int i = Arrays.binarySearch(keys, b);
            if (i >= 0) return kids[i];
            int at = -i - 1;
            Node n = new Node();
            keys = insert(keys, at, b);
            Node[] k = new Node[kids.length + 1];
            System.arraycopy(kids, 0, k, 0, at);
            k[at] = n;
            System.arraycopy(kids, at, k, at + 1, kids.length - at);
            kids = k;
            return n;
        }

        private int computeMin() {
            int min = terminal ? 0 : Integer.MAX_VALUE;
            for (Node k : kids) min = Math.min(min, 1 + k.computeMin());
            minToEnd = min;
            return min;
        }
    }

    private static int[] insert(int[] a, int at, int v) {
        int[] out = new int[a.length + 1];
        System.arraycopy(a, 0, out, 0, at);
        out[at] = v;
        System.arraycopy(a, at, out, at + 1, a.length - at);
        return out;
    }

    /** The root of a trie holding these strings (UTF-8); at least one, none empty. */
    static Node of(Collection<String> literals) {
        Node root = new Node();
        for (String s : literals) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0) throw new IllegalArgumentException("empty literal");
            Node n = root;
            for (byte b : bytes) n = n.childOrAdd(b & 0xff);
            n.terminal = true;
        }
        root.computeMin();
        return root;
    }
}
