package dev.fairway.engine.grammar;

import java.util.List;

/**
 * An object with declared properties, written in declared order: each optional one may be left out, each required one
 * must come. (Any order would be as valid, but one order keeps the grammar small and matches OpenAI's outputs.)
 */
final class JsonObject extends Node {
    final Node[] keys;
    final Node[] values;
    final boolean[] required;
    final Node ws;
    /** The fewest bytes of members from property i on, as if the first of them had a comma before it. */
    private int[] minFrom;

    JsonObject(Node[] keys, Node[] values, boolean[] required, Node ws) {
        this.keys = keys;
        this.values = values;
        this.required = required;
        this.ws = ws;
        this.body = new Nodes.Sequence(Json.LBRACE, ws, new Members(this));
    }

    private final Node body;

    @Override
    Frame start() {
        return body.start();
    }

    @Override
    int minLen() {
        return Nodes.add(2, Math.max(0, minFrom(0) - 1));
    }

    private int minFrom(int i) {
        if (minFrom == null) {
            int[] m = new int[keys.length + 1];
            minFrom = m; // a cycle through a required property reads zeros: an underestimate only there
            for (int j = keys.length - 1; j >= 0; j--) {
                int member = required[j] ? Nodes.add(2 + keys[j].minLen(), values[j].minLen()) : 0;
                m[j] = Nodes.add(m[j + 1], member);
            }
        }
        return minFrom[i];
    }

    /** The members part (after '{' and whitespace): kept as its own node so frames can name it. */
    static final class Members extends Node {
        final JsonObject object;

        Members(JsonObject object) {
            this.object = object;
        }

        @Override
        Frame start() {
            return new MembersFrame(object, 0, true);
        }

        @Override
        int minLen() {
            return object.minLen() - 1;
        }
    }

    /** Next: property {@code from} or a later one (or '}'); {@code first}: no member written yet (no comma). */
    record MembersFrame(JsonObject node, int from, boolean first) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            boolean requiredLeft = false;
            for (int j = from; j < node.keys.length; j++) {
                Stack s = Stack.push(new MembersFrame(node, j + 1, false), rest);
                s = Stack.push(node.ws.start(), s);
                s = Stack.push(node.values[j].start(), s);
                s = Stack.push(node.ws.start(), s);
                s = Stack.push(Json.COLON.start(), s);
                s = Stack.push(node.ws.start(), s);
                s = Stack.push(node.keys[j].start(), s);
                if (!first) {
                    s = Stack.push(node.ws.start(), s);
                    s = Stack.push(Json.COMMA.start(), s);
                }
                out.add(s);
                if (node.required[j]) {
                    requiredLeft = true;
                    break;
                }
            }
            if (!requiredLeft) out.add(Stack.push(Json.RBRACE.start(), rest));
        }

        @Override
        public int minRemaining() {
            return Nodes.add(1, Math.max(0, node.minFrom(from) - (first ? 1 : 0)));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MembersFrame f && f.node == node && f.from == from && f.first == first;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(node) * 31 + from) * 2 + (first ? 1 : 0);
        }
    }
}
