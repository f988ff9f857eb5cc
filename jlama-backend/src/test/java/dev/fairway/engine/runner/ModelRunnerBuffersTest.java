package dev.fairway.engine.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import org.junit.jupiter.api.Test;

/** The runner reuses its buffers across steps: a step after a larger one computes exactly what a fresh runner does. */
class ModelRunnerBuffersTest {
    @Test
    void aStepAfterALargerOneMatchesAFreshRunnerBitForBit() {
        Model m = Model.load(TestModels.stories(), null);
        int[] big =
                m.codec().promptTokens("One day, a big dog ran to the park to play with a red ball and a little cat.");
        int[] small = m.codec().promptTokens("Once upon a time");
        try (ModelRunner reused = new ModelRunner(m, new PagedKvCache(m.config(), 16, 16), 2, 4);
                ModelRunner fresh = new ModelRunner(m, new PagedKvCache(m.config(), 16, 16), 2)) {
            // leaves every buffer of the reused runner full of another sequence's activations (and grown past 4 rows)
            reused.forward(prefill(big, table(0), true));
            BlockTable a = table(8), b = table(8);
            float[] expected = fresh.forward(prefill(small, a, false));
            float[] actual = reused.forward(prefill(small, b, false));
            assertThat(actual).containsExactly(expected);
            int next = argmax(expected);
            expected = fresh.forward(new StepBatch(
                    new int[] {next}, new int[] {small.length}, new BlockTable[] {a}, new boolean[] {true}));
            actual = reused.forward(new StepBatch(
                    new int[] {next}, new int[] {small.length}, new BlockTable[] {b}, new boolean[] {true}));
            assertThat(actual).hasSize(m.config().vocab()).containsExactly(expected);
        }
    }

    private static BlockTable table(int firstBlock) {
        BlockTable t = new BlockTable();
        for (int i = 0; i < 8; i++) t.add(firstBlock + i);
        return t;
    }

    private static StepBatch prefill(int[] tokens, BlockTable t, boolean logitsOnAll) {
        int n = tokens.length;
        int[] pos = new int[n];
        BlockTable[] tables = new BlockTable[n];
        boolean[] want = new boolean[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
            tables[i] = t;
            want[i] = logitsOnAll || i == n - 1;
        }
        return new StepBatch(tokens, pos, tables, want);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
