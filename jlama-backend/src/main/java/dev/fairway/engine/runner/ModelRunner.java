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
 * Not thread-safe: one step at a time.
 */
public final class ModelRunner implements AutoCloseable {
    private final ModelConfig c;
    private final ModelWeights w;
    private final PagedKvCache kv;
    private final WorkerPool pool;
    private final Rope rope;
    private final Attention attention;

    public ModelRunner(Model model, PagedKvCache kv, int threads) {
        this.c = model.config();
        this.w = model.weights();
        this.kv = kv;
        this.pool = new WorkerPool(threads);
        this.rope = new Rope(c);
        this.attention = new Attention(c, kv);
    }

    public PagedKvCache kvCache() { return kv; }

    /** Runs one step; returns the logits of rows with wantLogits, in row order, vocab floats each. */
    public float[] forward(StepBatch batch) {
        int n = batch.size(), h = c.hidden(), qd = c.qDim(), kvd = c.kvDim(), ff = c.intermediate();
        int qkvW = qd + 2 * kvd;
        for (int i = 0; i < n; i++) {
            int p = batch.positions()[i];
            if (p < 0 || p >= c.maxPositions()) throw new IllegalArgumentException("position " + p + " out of range");
        }
        float[] x = new float[n * h];
        float[] xn = new float[n * h];
        float[] qkv = new float[n * qkvW];
        float[] att = new float[n * qd];
        float[] tmp = new float[n * h];
        float[] gu = new float[n * 2 * ff];
        float[] act = new float[n * ff];
        float[] cs = new float[n * c.headDim()];
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
        int m = batch.logitRows();
        float[] last = new float[m * h];
        for (int i = 0, j = 0; i < n; i++) {
            if (batch.wantLogits()[i]) VectorOps.rmsNorm(x, i * h, w.finalNorm(), c.rmsEps(), last, h * j++, h);
        }
        float[] logits = new float[m * c.vocab()];
        MatMul.matmul(pool, w.lmHead(), last, m, logits);
        return logits;
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
                    attention.attend(batch.tables()[i], batch.positions()[i], kh, qkv, i * qkvW, keys, values, att, i * qd);
                }
            });
        } else {
            pool.run(n * kvHeads, t -> attention.attend(batch.tables()[t / kvHeads], batch.positions()[t / kvHeads],
                    t % kvHeads, qkv, t / kvHeads * qkvW, keys, values, att, t / kvHeads * qd));
        }
    }

    /** x[i] += add[i]; then xn[i] = rmsNorm(x[i]) * norm, unless norm is null (after the last layer). */
    private void residualNorm(float[] x, float[] add, int i, float[] norm, float[] xn) {
        int h = c.hidden();
        VectorOps.addInPlace(x, i * h, add, i * h, h);
        if (norm != null) VectorOps.rmsNorm(x, i * h, norm, c.rmsEps(), xn, i * h, h);
    }

    /** Row i's q and k rotated in place, its k and v stored in the cache. Rows are independent. */
    private void storeRow(int l, LayerWeights lw, StepBatch batch, int i, float[] qkv, float[] cs) {
        int qd = c.qDim(), kvd = c.kvDim(), base = i * (qd + 2 * kvd);
        if (lw.qkvBias() != null) {
            for (int j = 0; j < qd + 2 * kvd; j++) qkv[base + j] += lw.qkvBias()[j];
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
