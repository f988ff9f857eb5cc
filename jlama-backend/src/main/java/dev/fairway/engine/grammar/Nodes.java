package dev.fairway.engine.grammar;

import java.util.List;

/** The grammar's building blocks and the frames that read them. */
final class Nodes {
    /** "Cannot be finished": larger than any budget, small enough that sums do not overflow. */
    static final int INF = 1 << 24;

    private Nodes() {}

    static int add(int a, int b) {
        return Math.min(INF, a + b);
    }

    /** A choice of literal byte strings, read through a trie. */
    static final class Literal extends Node {
        final LiteralTrie.Node root;

        Literal(List<String> values) {
            this.root = LiteralTrie.of(values);
        }

        @Override
        Frame start() {
            return new LitFrame(root);
        }

        @Override
        int minLen() {
            return root.minToEnd;
        }
    }

    record LitFrame(LiteralTrie.Node at) implements Frame.Consuming {
        @Override
        public Frame feed(int b) {
            LiteralTrie.Node next = at.child(b);
            if (next == null) return null;
            return next.isLeaf() ? DONE : new LitFrame(next);
        }

        @Override
        public boolean canEnd() {
            return at.terminal;
        }

        @Override
        public int minRemaining() {
            return at.minToEnd;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LitFrame f && f.at == at;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(at);
        }
    }

    /** Up to max bytes of JSON whitespace. */
    static final class Whitespace extends Node {
        final int max;

        Whitespace(int max) {
            this.max = max;
        }

        @Override
        Frame start() {
            return new WsFrame(this, 0);
        }

        @Override
        int minLen() {
            return 0;
        }
    }

    record WsFrame(Whitespace node, int count) implements Frame.Consuming {
        @Override
        public Frame feed(int b) {
            if (count >= node.max || (b != ' ' && b != '\n' && b != '\t' && b != '\r')) return null;
            return new WsFrame(node, count + 1);
        }

        @Override
        public boolean canEnd() {
            return true;
        }

        @Override
        public int minRemaining() {
            return 0;
        }
    }

    /** Nodes one after the other. */
    static final class Sequence extends Node {
        final Node[] parts;
        private int min = -1;

        Sequence(Node... parts) {
            this.parts = parts;
        }

        @Override
        Frame start() {
            return new SeqFrame(this);
        }

        @Override
        int minLen() {
            if (min < 0) {
                min = INF; // a cycle through here counts as unfinishable
                int sum = 0;
                for (Node p : parts) sum = add(sum, p.minLen());
                min = sum;
            }
            return min;
        }
    }

    record SeqFrame(Sequence node) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            Stack s = rest;
            for (int i = node.parts.length - 1; i >= 0; i--) s = Stack.push(node.parts[i].start(), s);
            out.add(s);
        }

        @Override
        public int minRemaining() {
            return node.minLen();
        }
    }

    /** One of several nodes (JSON Schema anyOf, a type list, any JSON value). */
    static final class Choice extends Node {
        final Node[] options;
        private int min = -1;

        Choice(Node... options) {
            this.options = options;
        }

        @Override
        Frame start() {
            return new ChoiceFrame(this);
        }

        @Override
        int minLen() {
            if (min < 0) {
                min = INF;
                int m = INF;
                for (Node o : options) m = Math.min(m, o.minLen());
                min = m;
            }
            return min;
        }
    }

    record ChoiceFrame(Choice node) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            for (Node o : node.options) out.add(Stack.push(o.start(), rest));
        }

        @Override
        public int minRemaining() {
            return node.minLen();
        }
    }

    /** A node defined later ($ref, recursive values): the target is set once the graph is built. */
    static final class Ref extends Node {
        Node target;
        private boolean computing;
        private int min = -1;

        @Override
        Frame start() {
            return new RefFrame(this);
        }

        @Override
        int minLen() {
            if (min >= 0) return min;
            if (computing) return INF;
            computing = true;
            int m = target.minLen();
            computing = false;
            min = m;
            return m;
        }
    }

    record RefFrame(Ref node) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            out.add(Stack.push(node.target.start(), rest));
        }

        @Override
        public int minRemaining() {
            return node.minLen();
        }
    }
}
