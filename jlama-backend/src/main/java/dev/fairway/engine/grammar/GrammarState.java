package dev.fairway.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a grammar's reader stands after some bytes: every stack of frames still possible (more than one only while
 * an anyOf is undecided). Immutable; feeding a byte makes a new state.
 */
final class GrammarState {
    /** Expansions nested deeper than this mean a grammar that recurses without reading (a $ref to itself). */
    private static final int MAX_EXPANSION_DEPTH = 256;

    private final Stack[] stacks;
    private byte accepting; // 0 unknown, 1 no, 2 yes: computed when asked (most states never are)
    /** The fewest bytes that finish the output from here. */
    final int minRemaining;

    private GrammarState(List<Stack> stacks) {
        this.stacks = stacks.toArray(new Stack[0]);
        int min = Nodes.INF;
        for (Stack s : this.stacks) min = Math.min(min, s.minRemaining);
        this.minRemaining = min;
    }

    static GrammarState initial(Node root) {
        return new GrammarState(List.of(Stack.push(root.start(), Stack.EMPTY).closed()));
    }

    /** The state after byte b (0..255), or null when b cannot come next. */
    GrammarState feed(int b) {
        List<Stack> out = new ArrayList<>(2);
        for (Stack s : stacks) feed(s, b, out);
        return out.isEmpty() ? null : new GrammarState(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrammarState g && java.util.Arrays.equals(g.stacks, stacks);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(stacks);
    }

    /** The output may end here. */
    boolean accepting() {
        if (accepting == 0) {
            boolean acc = false;
            for (Stack s : stacks) acc |= accepts(s);
            accepting = (byte) (acc ? 2 : 1);
        }
        return accepting == 2;
    }

    /** Nothing more can be read: the output is complete. */
    boolean finished() {
        for (Stack s : stacks) if (!s.isEmpty()) return false;
        return true;
    }

    /** The single stack's top frame, when there is exactly one stack and it is not empty. */
    Frame soleTop() {
        return stacks.length == 1 ? stacks[0].top : null;
    }

    private static void feed(Stack s, int b, List<Stack> out) {
        if (s.isEmpty()) return;
        Frame.Consuming top = (Frame.Consuming) s.top;
        Frame next = top.feed(b);
        if (next == Frame.DONE) addAll(s.rest.closed(), out);
        else if (next instanceof Frame.Consuming) add(Stack.push(next, s.rest), out);
        else if (next != null) closure(Stack.push(next, s.rest), out, 0);
        if (top.canEnd()) for (Stack t : s.rest.closed()) feed(t, b, out);
    }

    private static void addAll(Stack[] stacks, List<Stack> out) {
        for (Stack t : stacks) add(t, out);
    }

    private static void add(Stack s, List<Stack> out) {
        if (!out.contains(s)) out.add(s);
    }

    /** Expands s until its top reads bytes (or it is empty), adding each result to out once. */
    static void closure(Stack s, List<Stack> out, int depth) {
        if (s.isEmpty() || s.top instanceof Frame.Consuming) {
            add(s, out);
            return;
        }
        if (depth > MAX_EXPANSION_DEPTH) throw new IllegalStateException("grammar recurses without reading");
        List<Stack> expanded = new ArrayList<>(2);
        ((Frame.Expanding) s.top).expand(s.rest, expanded);
        for (Stack e : expanded) closure(e, out, depth + 1);
    }

    private static boolean accepts(Stack s) {
        if (s.isEmpty()) return true;
        if (!((Frame.Consuming) s.top).canEnd()) return false;
        for (Stack t : s.rest.closed()) if (accepts(t)) return true;
        return false;
    }
}
