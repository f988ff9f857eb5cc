package dev.fairway.engine.grammar;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokens allowed in a grammar state, remembered: outputs pass the same states again and again (inside strings,
 * between array items, across the sequences of one schema). Bounded: cleared when full.
 */
final class MaskCache {
    static final int MAX_ENTRIES = 2048;

    /** {@code worst}: the most bytes any allowed token leaves to write (the mask holds when the budget covers it). */
    record Entry(BitSet allowed, int worst) {}

    private final Map<GrammarState, Entry> entries = new ConcurrentHashMap<>();

    Entry get(GrammarState s) {
        return entries.get(s);
    }

    void put(GrammarState s, Entry e) {
        if (entries.size() >= MAX_ENTRIES) entries.clear();
        entries.put(s, e);
    }
}
