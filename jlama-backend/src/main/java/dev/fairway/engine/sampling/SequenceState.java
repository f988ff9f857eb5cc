package dev.fairway.engine.sampling;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/** What the sampler remembers about one sequence: its own seeded generator, tokens seen, output token counts. */
public final class SequenceState {
    private final SplittableRandom random;
    private final BitSet seen = new BitSet();
    private final Map<Integer, Integer> outputCounts = new HashMap<>();
    private int generated;

    public SequenceState(long seed, int[] prompt) {
        this.random = new SplittableRandom(seed);
        for (int t : prompt) seen.set(t);
    }

    public SplittableRandom random() {
        return random;
    }

    public int generated() {
        return generated;
    }

    public void accept(int token) {
        seen.set(token);
        outputCounts.merge(token, 1, Integer::sum);
        generated++;
    }

    void forEachSeen(IntConsumer c) {
        for (int t = seen.nextSetBit(0); t >= 0; t = seen.nextSetBit(t + 1)) c.accept(t);
    }

    void forEachOutputCount(java.util.function.BiConsumer<Integer, Integer> c) {
        outputCounts.forEach(c);
    }
}
