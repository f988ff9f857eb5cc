package dev.fairway.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.kernels.WeightMatrix;
import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.LayerWeights;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.model.ModelConfig;
import dev.fairway.engine.runner.ModelRunner;
import dev.fairway.engine.runner.StepBatch;
import dev.fairway.testkit.RandomWeights;
import dev.fairway.testkit.RandomWeights.SmallConfig;
import dev.fairway.testkit.ReferenceLlama;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Drives ModelRunner directly (no scheduler) and compares against {@link ReferenceLlama}. */
final class EngineHarness {
    private EngineHarness() {}

    static final long SEED = 7;

    static Path shared() {
        return TestModels.shared();
    }

    /** A cached small random model; matrices N(0, 1/hidden) so attention is peaky enough to notice RoPE/KV bugs. */
    static Path smallModel(SmallConfig spec) {
        return RandomWeights.small(spec, shared().resolve("models/stories260K"), SEED, 1.0 / Math.sqrt(spec.hidden()));
    }

    /** The reference built from the engine's own (dequantized) weights: checks the kernels, not the loader. */
    static ReferenceLlama referenceFromModel(Model m, Path folder) {
        ReferenceLlama.Config rc = ReferenceLlama.Config.read(folder);
        ModelConfig c = m.config();
        Map<String, ReferenceLlama.Mat> mats = new HashMap<>();
        mats.put("model.embed_tokens.weight", mat(m.weights().embeddings()));
        mats.put("lm_head.weight", mat(m.weights().lmHead()));
        mats.put("model.norm.weight", vec(m.weights().finalNorm()));
        int q = c.qDim(), kv = c.kvDim(), ff = c.intermediate();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = m.weights().layers()[l];
            String p = "model.layers." + l + ".";
            mats.put(p + "input_layernorm.weight", vec(lw.attnNorm()));
            mats.put(p + "post_attention_layernorm.weight", vec(lw.mlpNorm()));
            ReferenceLlama.Mat qkv = mat(lw.qkv());
            mats.put(p + "self_attn.q_proj.weight", rows(qkv, 0, q));
            mats.put(p + "self_attn.k_proj.weight", rows(qkv, q, kv));
            mats.put(p + "self_attn.v_proj.weight", rows(qkv, q + kv, kv));
            if (lw.qkvBias() != null) {
                mats.put(p + "self_attn.q_proj.bias", vec(Arrays.copyOfRange(lw.qkvBias(), 0, q)));
                mats.put(p + "self_attn.k_proj.bias", vec(Arrays.copyOfRange(lw.qkvBias(), q, q + kv)));
                mats.put(p + "self_attn.v_proj.bias", vec(Arrays.copyOfRange(lw.qkvBias(), q + kv, q + 2 * kv)));
            }
            if (lw.qNorm() != null) {
                mats.put(p + "self_attn.q_norm.weight", vec(lw.qNorm()));
                mats.put(p + "self_attn.k_norm.weight", vec(lw.kNorm()));
            }
            mats.put(p + "self_attn.o_proj.weight", mat(lw.o()));
            ReferenceLlama.Mat gu = mat(lw.gateUp());
            mats.put(p + "mlp.gate_proj.weight", rows(gu, 0, ff));
            mats.put(p + "mlp.up_proj.weight", rows(gu, ff, ff));
            mats.put(p + "mlp.down_proj.weight", mat(lw.down()));
        }
        // the engine always has an lm_head matrix (the embeddings when tied): use it as an untied head
        ReferenceLlama.Config untied = new ReferenceLlama.Config(
                rc.modelType(),
                rc.hidden(),
                rc.intermediate(),
                rc.heads(),
                rc.kvHeads(),
                rc.headDim(),
                rc.layers(),
                rc.vocab(),
                rc.rmsEps(),
                rc.ropeTheta(),
                false,
                rc.qkvBias(),
                rc.qkNorm(),
                rc.ropeScaling());
        return new ReferenceLlama(untied, name -> {
            ReferenceLlama.Mat mm = mats.get(name);
            if (mm == null) throw new IllegalArgumentException("no engine weight for " + name);
            return mm;
        });
    }

    static ReferenceLlama.Mat mat(WeightMatrix w) {
        float[] d = new float[w.rows() * w.cols()];
        if (w.floats() != null) System.arraycopy(w.floats(), 0, d, 0, d.length);
        else w.dequantize(0, w.rows(), d);
        return new ReferenceLlama.Mat(w.rows(), w.cols(), d);
    }

    static ReferenceLlama.Mat vec(float[] v) {
        return new ReferenceLlama.Mat(1, v.length, v.clone());
    }

    static ReferenceLlama.Mat rows(ReferenceLlama.Mat m, int from, int count) {
        return new ReferenceLlama.Mat(
                count, m.cols(), Arrays.copyOfRange(m.data(), from * m.cols(), (from + count) * m.cols()));
    }

    static int[] randomTokens(Random r, int n, int vocab) {
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) t[i] = 3 + r.nextInt(Math.min(vocab, 512) - 3);
        return t;
    }

    /**
     * A KV cache plus a block allocator: {@code shuffled} hands out physical blocks in a seeded random order (so a
     * sequence's blocks are non-contiguous and interleaved with other sequences'), otherwise in ascending order.
     */
    static final class Kv {
        final PagedKvCache cache;
        final ModelRunner runner;
        private final List<Integer> free = new ArrayList<>();

        Kv(Model m, int numBlocks, int blockSize, boolean shuffled, long seed) {
            cache = new PagedKvCache(m.config(), numBlocks, blockSize);
            runner = new ModelRunner(m, cache, 2);
            for (int i = 0; i < numBlocks; i++) free.add(i);
            if (shuffled) Collections.shuffle(free, new Random(seed));
        }

        /** Makes {@code table} cover positions [0, length). */
        void ensure(BlockTable table, int length) {
            while (table.size() * cache.blockSize() < length) table.add(free.remove(0));
        }
    }

    /** One row of a step. */
    record Row(BlockTable table, int token, int position, boolean wantLogits) {}

    static float[][] step(Kv kv, List<Row> rows) {
        int n = rows.size();
        int[] tokens = new int[n], positions = new int[n];
        BlockTable[] tables = new BlockTable[n];
        boolean[] want = new boolean[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            kv.ensure(r.table(), r.position() + 1);
            tokens[i] = r.token();
            positions[i] = r.position();
            tables[i] = r.table();
            want[i] = r.wantLogits();
            if (want[i]) m++;
        }
        float[] flat = kv.runner.forward(new StepBatch(tokens, positions, tables, want));
        int vocab = flat.length / Math.max(1, m);
        float[][] out = new float[m][];
        for (int j = 0; j < m; j++) out[j] = Arrays.copyOfRange(flat, j * vocab, (j + 1) * vocab);
        return out;
    }

    /** Rows feeding tokens[from, to) of one sequence, logits wanted on the last one only (or on all). */
    static List<Row> chunk(BlockTable table, int[] tokens, int from, int to, boolean logitsOnAll) {
        List<Row> rows = new ArrayList<>();
        for (int p = from; p < to; p++) rows.add(new Row(table, tokens[p], p, logitsOnAll || p == to - 1));
        return rows;
    }

    /** max|a-b| <= rel * max|expected| (+ 1e-5), and equal argmax unless the reference's top two are a near-tie. */
    static void assertLogitsClose(String what, float[] actual, float[] expected, double rel) {
        assertThat(actual).as(what + " length").hasSameSizeAs(expected);
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        double tol = rel * maxAbs + 1e-5;
        assertThat(maxDiff)
                .as("%s: max |engine - reference| (max |logit| %.4f)", what, maxAbs)
                .isLessThanOrEqualTo(tol);
        int ea = ReferenceLlama.argmax(expected);
        float second = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < expected.length; i++) if (i != ea) second = Math.max(second, expected[i]);
        if (expected[ea] - second > 2 * tol) {
            assertThat(ReferenceLlama.argmax(actual)).as(what + " argmax").isEqualTo(ea);
        }
    }
}
