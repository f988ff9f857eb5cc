package dev.fairway.engine.gguf;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.runner.ModelRunner;
import dev.fairway.engine.runner.StepBatch;
import java.util.Arrays;

/** Runs a model on one sequence with the engine's runner: logits of given positions, greedy continuations. */
final class GgufRun {
    private GgufRun() {}

    /** Logits (vocab each) after each of tokens[from-1 .. tokens.length-1], one forward over the whole sequence. */
    static float[][] logits(Model m, int[] tokens, int from) {
        int n = tokens.length, blocks = (n + 15) / 16 + 1;
        PagedKvCache kv = new PagedKvCache(m.config(), blocks, 16);
        BlockTable t = new BlockTable();
        for (int i = 0; i < blocks; i++) t.add(i);
        try (ModelRunner r = new ModelRunner(m, kv, 2)) {
            int[] pos = new int[n];
            BlockTable[] tables = new BlockTable[n];
            boolean[] want = new boolean[n];
            for (int i = 0; i < n; i++) {
                pos[i] = i;
                tables[i] = t;
                want[i] = i >= from - 1;
            }
            float[] all = r.forward(new StepBatch(tokens, pos, tables, want));
            int v = m.config().vocab(), rows = all.length / v;
            float[][] out = new float[rows][];
            for (int i = 0; i < rows; i++) out[i] = Arrays.copyOfRange(all, i * v, (i + 1) * v);
            return out;
        }
    }

    /** Greedy continuation ids (argmax), stopping at an end-of-sequence token. */
    static int[] greedy(Model m, int[] prompt, int count) {
        int blocks = (prompt.length + count + 15) / 16 + 1;
        PagedKvCache kv = new PagedKvCache(m.config(), blocks, 16);
        BlockTable t = new BlockTable();
        for (int i = 0; i < blocks; i++) t.add(i);
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
            int[] out = new int[count];
            int k = 0;
            for (; k < count; k++) {
                out[k] = argmax(logits);
                if (m.codec().eosIds().contains(out[k])) {
                    k++;
                    break;
                }
                if (k + 1 < count) {
                    logits = r.forward(new StepBatch(
                            new int[] {out[k]}, new int[] {n + k}, new BlockTable[] {t}, new boolean[] {true}));
                }
            }
            return Arrays.copyOf(out, k);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static double[] logSoftmax(float[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) max = Math.max(max, x);
        double sum = 0;
        for (float x : v) sum += Math.exp(x - max);
        double lse = max + Math.log(sum);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] - lse;
        return out;
    }
}
