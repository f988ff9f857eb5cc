package dev.fairway.engine.runner;

import dev.fairway.engine.kernels.MatMul;
import dev.fairway.engine.kernels.VectorOps;
import dev.fairway.engine.kernels.WorkerPool;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.LayerWeights;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.model.ModelConfig;
import dev.fairway.engine.model.ModelWeights;

/**
 * The batched forward pass. Every projection and the MLP run once over all rows of the step (weights read once);
 * attention runs per row over that row's sequence's paged keys and values. The row-wise pieces between the products
 * (rope and KV store, residual + norm, SiLU) run on the pool as well: on two cores a serial piece idles the other one.
 * The activations between the pieces live in {@link Buffers} allocated once for the largest step (and grown if a step
 * is larger still), not per step. Not thread-safe: one step at a time.
 */
public final class ModelRunner implements AutoCloseable {
    private final ModelConfig c;
    private final ModelWeights w;
    private final PagedKvCache kv;
    private final WorkerPool pool;
    private final Rope rope;
    private final Attention attention;
    private Buffers buffers;

    /** A runner whose buffers start at one row and grow to the largest step seen. */
    public ModelRunner(Model model, PagedKvCache kv, int threads) {
        this(model, kv, threads, 1);
    }

    /** A runner with buffers for steps of up to {@code maxRows} rows (the engine's step budget), grown if needed. */
    public ModelRunner(Model model, PagedKvCache kv, int threads, int maxRows) {
        this.c = model.config();
        this.w = model.weights();
        this.kv = kv;
        this.pool = new WorkerPool(threads);
        this.rope = new Rope(c);
        this.attention = new Attention(c, kv);
        this.buffers = new Buffers(c, Math.max(1, maxRows));
    }

    /**
     * The activations of one step, row-major with room for {@code rows} rows; a step of n rows uses the first n. Every
     * piece of the forward pass writes its rows before they are read, so nothing needs clearing between steps.
     */
    private static final class Buffers {
        final int rows;
        /** Residual stream, its norm, and the attention / MLP outputs added back to it: [rows x hidden]. */
        final float[] x, xn, tmp;
        /** Fused q, k, v projections: [rows x (qDim + 2 kvDim)]. */
        final float[] qkv;
        /** Attention output per query head: [rows x qDim]. */
        final float[] att;
        /** Fused gate and up projections: [rows x 2 intermediate]; their SiLU product: [rows x intermediate]. */
        final float[] gu, act;
        /** Rope cos/sin per row: [rows x headDim]. */
        final float[] cs;
        /** Final norm of the rows that want logits: [rows x hidden]. */
        final float[] last;

        Buffers(ModelConfig c, int rows) {
            int h = c.hidden();
            this.rows = rows;
            x = new float[rows * h];
            xn = new float[rows * h];
            tmp = new float[rows * h];
            qkv = new float[rows * (c.qDim() + 2 * c.kvDim())];
            att = new float[rows * c.qDim()];
            gu = new float[rows * 2 * c.intermediate()];
            act = new float[rows * c.intermediate()];
            cs = new float[rows * c.headDim()];
            last = new float[rows * h];
        }
    }

    private Buffers buffers(int rows) {
        if (buffers.rows < rows) buffers = new Buffers(c, rows);
        return buffers;
    }

    public PagedKvCache kvCache() {
        return kv;
    }

    /**
     * Runs one step; returns the logits of rows with wantLogits, in row order, vocab floats each (a new array: the
     * caller's to keep and modify, unlike the buffers).
     */
    public float[] forward(StepBatch batch) {
        Buffers b = layers(batch);
        int n = batch.size(), h = c.hidden();
        float[] x = b.x;
        int m = batch.logitRows();
        float[] last = b.last;
        for (int i = 0, j = 0; i < n; i++) {
            if (batch.wantLogits()[i]) VectorOps.rmsNorm(x, i * h, w.finalNorm(), c.rmsEps(), last, h * j++, h);
        }
        float[] logits = new float[m * c.vocab()];
        MatMul.matmul(pool, w.lmHead(), last, m, logits);
        return logits;
    }

    /**
     * Runs one step as {@link #forward} does (keys and values stored alike) but returns every row's final hidden state
     * after the final norm, [rows x hidden] (a new array): what embeddings pool. No logits are computed.
     */
    public float[] hiddenStates(StepBatch batch) {
        Buffers b = layers(batch);
        int n = batch.size(), h = c.hidden();
        float[] out = new float[n * h];
        pool.run(n, i -> VectorOps.rmsNorm(b.x, i * h, w.finalNorm(), c.rmsEps(), out, i * h, h));
        return out;
    }

    /** Every layer over the batch; the residual stream after the last one is left in the buffers' {@code x}. */
    private Buffers layers(StepBatch batch) {
        int n = batch.size(), h = c.hidden(), ff = c.intermediate();
        for (int i = 0; i < n; i++) {
            int p = batch.positions()[i];
            if (p < 0 || p >= c.maxPositions()) throw new IllegalArgumentException("position " + p + " out of range");
        }
        Buffers b = buffers(n);
        float[] x = b.x, xn = b.xn, qkv = b.qkv, att = b.att, tmp = b.tmp, gu = b.gu, act = b.act, cs = b.cs;
        float[] embed = w.embeddings().floats();
        for (int i = 0; i < n; i++) {
            System.arraycopy(embed, batch.tokens()[i] * h, x, i * h, h);
            rope.angles(batch.positions()[i], cs, i * c.headDim());
        }
        LayerWeights[] layers = w.layers();
        pool.run(n, i -> VectorOps.rmsNorm(x, i * h, layers[0].attnNorm(), c.rmsEps(), xn, i * h, h));
        for (int l = 0; l < c.layers(); l++) {
            int layer = l;
            LayerWeights lw = layers[l];
            float[] nextNorm = l + 1 < layers.length ? layers[l + 1].attnNorm() : null;
            MatMul.matmul(pool, lw.qkv(), xn, n, qkv);
            pool.run(n, i -> storeRow(layer, lw, batch, i, qkv, cs));
            attention(batch, l, qkv, att);
            MatMul.matmul(pool, lw.o(), att, n, tmp);
            pool.run(n, i -> residualNorm(x, tmp, i, lw.mlpNorm(), xn));
            MatMul.matmul(pool, lw.gateUp(), xn, n, gu);
            pool.run(n, i -> VectorOps.siluMul(gu, i * 2 * ff, gu, i * 2 * ff + ff, act, i * ff, ff));
            MatMul.matmul(pool, lw.down(), act, n, tmp);
            pool.run(n, i -> residualNorm(x, tmp, i, nextNorm, xn));
        }
        return b;
    }

    /**
     * Attention of every row over its sequence. With enough rows, one task per row covers all its kv heads: the row's
     * key and value blocks are then read front to back (each block holds every kv head); otherwise one task per
     * (row, kv head) keeps both cores busy.
     */
    private void attention(StepBatch batch, int l, float[] qkv, float[] att) {
        int n = batch.size(), kvHeads = c.kvHeads(), qkvW = c.qDim() + 2 * c.kvDim(), qd = c.qDim();
        float[] keys = kv.keys(l), values = kv.values(l);
        if (n >= 2 * pool.threads()) {
            pool.run(n, i -> {
                for (int kh = 0; kh < kvHeads; kh++) {
                    attention.attend(
                            batch.tables()[i], batch.positions()[i], kh, qkv, i * qkvW, keys, values, att, i * qd);
                }
            });
        } else {
            pool.run(
                    n * kvHeads,
                    t -> attention.attend(
                            batch.tables()[t / kvHeads],
                            batch.positions()[t / kvHeads],
                            t % kvHeads,
                            qkv,
                            t / kvHeads * qkvW,
                            keys,
                            values,
                            att,
                            t / kvHeads * qd));
        }
    }

    /** x[i] += add[i]; then xn[i] = rmsNorm(x[i]) * norm, unless norm is null (after the last layer). */
    private void residualNorm(float[] x, float[] add, int i, float[] norm, float[] xn) {
        int h = c.hidden();
        VectorOps.addInPlace(x, i * h, add, i * h, h);
        if (norm != null) VectorOps.rmsNorm(x, i * h, norm, c.rmsEps(), xn, i * h, h);
    }

    /** Row i's q and k normalized (qwen3) and rotated in place, its k and v stored in the cache. Rows are independent. */
    private void storeRow(int l, LayerWeights lw, StepBatch batch, int i, float[] qkv, float[] cs) {
        int qd = c.qDim(), kvd = c.kvDim(), base = i * (qd + 2 * kvd);
        if (lw.qkvBias() != null) {
            for (int j = 0; j < qd + 2 * kvd; j++) qkv[base + j] += lw.qkvBias()[j];
        }
        if (lw.qNorm() != null) {
            int hd = c.headDim();
            for (int hh = 0; hh < c.heads(); hh++) {
                VectorOps.rmsNorm(qkv, base + hh * hd, lw.qNorm(), c.rmsEps(), qkv, base + hh * hd, hd);
            }
            for (int hh = 0; hh < c.kvHeads(); hh++) {
                int off = base + qd + hh * hd;
                VectorOps.rmsNorm(qkv, off, lw.kNorm(), c.rmsEps(), qkv, off, hd);
            }
        }
        rope.apply(qkv, base, c.heads(), cs, i * c.headDim());
        rope.apply(qkv, base + qd, c.kvHeads(), cs, i * c.headDim());
        kv.putKey(l, batch.tables()[i], batch.positions()[i], qkv, base + qd);
        System.arraycopy(qkv, base + qd + kvd, kv.values(l), kv.offset(batch.tables()[i], batch.positions()[i]), kvd);
    }

    @Override
    public void close() {
        pool.close();
    }
}
