package dev.fairway.engine.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import org.junit.jupiter.api.Test;

class RunnerGreedySmokeTest {
    @Test
    void storiesContinuesOnceUponATime() {
        Model m = Model.load(TestModels.stories(), null);
        int[] prompt = m.codec().promptTokens("Once upon a time");
        PagedKvCache kv = new PagedKvCache(m.config(), 16, 16);
        BlockTable t = new BlockTable();
        for (int i = 0; i < 16; i++) t.add(15 - i);
        try (ModelRunner r = new ModelRunner(m, kv, 2)) {
            int n = prompt.length;
            int[] pos = new int[n];
            BlockTable[] tables = new BlockTable[n];
            boolean[] want = new boolean[n];
            for (int i = 0; i < n; i++) {
                pos[i] = i;
                tables[i] = t;
            }
            want[n - 1] = true;
            float[] logits = r.forward(new StepBatch(prompt, pos, tables, want));
            int[] out = new int[12];
            for (int k = 0; k < out.length; k++) {
                out[k] = argmax(logits);
                logits = r.forward(new StepBatch(
                        new int[] {out[k]}, new int[] {n + k}, new BlockTable[] {t}, new boolean[] {true}));
            }
            assertThat(m.codec().decode(out)).startsWith(", there was a little girl named Lily.");
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
