package dev.fairway.engine.grammar;

import java.util.List;

/** An object with any keys, every value of one node (any JSON value for json_object). */
final class FreeObject extends Node {
    final Node key = new JsonString(0, Integer.MAX_VALUE);
    final Node value;
    final Node ws;

    FreeObject(Node value, Node ws) {
        this.value = value;
        this.ws = ws;
        this.body = new Nodes.Sequence(Json.LBRACE, ws, new Members());
    }

    private final Node body;

    @Override
    Frame start() {
        return body.start();
    }

    @Override
    int minLen() {
        return 2;
    }

    private final class Members extends Node {
        @Override
        Frame start() {
            return new MembersFrame(FreeObject.this, true);
        }

        @Override
        int minLen() {
            return 1;
        }
    }

    record MembersFrame(FreeObject node, boolean first) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            out.add(Stack.push(Json.RBRACE.start(), rest));
            Stack s = Stack.push(new MembersFrame(node, false), rest);
            s = Stack.push(node.ws.start(), s);
            s = Stack.push(node.value.start(), s);
            s = Stack.push(node.ws.start(), s);
            s = Stack.push(Json.COLON.start(), s);
            s = Stack.push(node.ws.start(), s);
            s = Stack.push(node.key.start(), s);
            if (!first) {
                s = Stack.push(node.ws.start(), s);
                s = Stack.push(Json.COMMA.start(), s);
            }
            out.add(s);
        }

        @Override
        public int minRemaining() {
            return 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MembersFrame f && f.node == node && f.first == first;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(node) * 2 + (first ? 1 : 0);
        }
    }
}
