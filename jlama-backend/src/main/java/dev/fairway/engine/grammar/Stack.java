package dev.fairway.engine.grammar;

/** An immutable stack of frames (top first), shared between the states that extend it. */
final class Stack {
    static final Stack EMPTY = new Stack(null, null);

    final Frame top;
    final Stack rest;
    /** The fewest bytes that empty this stack. */
    final int minRemaining;

    private final int hash;
    /** What this stack expands to (tops that read bytes), computed once: masks feed the same state many bytes. */
    private Stack[] closed;

    private Stack(Frame top, Stack rest) {
        this.top = top;
        this.rest = rest;
        this.minRemaining = top == null ? 0 : Nodes.add(top.minRemaining(), rest.minRemaining);
        this.hash = top == null ? 0 : 31 * rest.hash + top.hashCode();
    }

    static Stack push(Frame f, Stack rest) {
        return new Stack(f, rest);
    }

    Stack[] closed() {
        Stack[] c = closed;
        if (c == null) {
            java.util.List<Stack> out = new java.util.ArrayList<>(2);
            GrammarState.closure(this, out, 0);
            closed = c = out.toArray(new Stack[0]);
        }
        return c;
    }

    boolean isEmpty() {
        return top == null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Stack s) || s.hash != hash) return false;
        Stack a = this;
        Stack b = s;
        while (a != b) {
            if (a.top == null || b.top == null || !a.top.equals(b.top)) return false;
            a = a.rest;
            b = b.rest;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
