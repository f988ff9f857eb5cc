package dev.fairway.engine.grammar;

import java.util.List;

/** An array of minItems..maxItems values of one node. */
final class JsonArray extends Node {
    final Node item;
    final int minItems;
    final int maxItems;
    final Node ws;

    JsonArray(Node item, int minItems, int maxItems, Node ws) {
        this.item = item;
        this.minItems = minItems;
        this.maxItems = maxItems;
        this.ws = ws;
        this.body = new Nodes.Sequence(Json.LBRACKET, ws, new Items());
    }

    private final Node body;

    @Override
    Frame start() {
        return body.start();
    }

    @Override
    int minLen() {
        return Nodes.add(2, itemsMin(0) - 1);
    }

    /** The fewest bytes of the items from the k-th on, the closing bracket included. */
    int itemsMin(int k) {
        int left = Math.max(0, minItems - k);
        if (left == 0) return 1;
        long bytes = (long) left * Math.min(Nodes.INF, item.minLen() + 1) + (k == 0 ? 0 : 1);
        return (int) Math.min(Nodes.INF, bytes);
    }

    private final class Items extends Node {
        @Override
        Frame start() {
            return new ItemsFrame(JsonArray.this, 0);
        }

        @Override
        int minLen() {
            return itemsMin(0);
        }
    }

    /** {@code count} items written so far (held at max(minItems, 1) when there is no maxItems: more makes no difference). */
    record ItemsFrame(JsonArray node, int count) implements Frame.Expanding {
        @Override
        public void expand(Stack rest, List<Stack> out) {
            if (count >= node.minItems) out.add(Stack.push(Json.RBRACKET.start(), rest));
            if (count >= node.maxItems) return;
            int next = node.maxItems == Integer.MAX_VALUE ? Math.min(count + 1, Math.max(node.minItems, 1)) : count + 1;
            Stack s = Stack.push(new ItemsFrame(node, next), rest);
            s = Stack.push(node.ws.start(), s);
            s = Stack.push(node.item.start(), s);
            if (count > 0) {
                s = Stack.push(node.ws.start(), s);
                s = Stack.push(Json.COMMA.start(), s);
            }
            out.add(s);
        }

        @Override
        public int minRemaining() {
            return node.itemsMin(count);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ItemsFrame f && f.node == node && f.count == count;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(node) * 31 + count;
        }
    }
}
