package dev.fairway.engine.runner;

import dev.fairway.engine.kernels.VectorOps;
import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention of one row for the query heads that share one kv head (GQA), over the row's paged keys and values.
 * Keys are stored transposed per block, so a block's scores are two vectors of FMAs against broadcast query elements
 * (no horizontal sum per position). Query heads go three at a time: each key and value vector is loaded once for all
 * three, twelve independent FMA chains stay in flight, and the softmax is normalized once, on the output.
 */
final class Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final PagedKvCache kv;
    private final int hd;
    private final int group;
    private final int bs;
    private final int kvDim;
    private final float scale;
    /** Three heads at a time needs a block of two vectors and a head of whole 4-vector strips. */
    private final boolean tiled;

    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[1024]);

    Attention(ModelConfig c, PagedKvCache kv) {
        this.kv = kv;
        this.hd = c.headDim();
        this.group = c.heads() / c.kvHeads();
        this.bs = kv.blockSize();
        this.kvDim = c.kvDim();
        this.scale = (float) (1.0 / Math.sqrt(hd));
        this.tiled = bs == 2 * L && hd % (4 * L) == 0;
    }

    /**
     * Writes out[outOff + (kvHead*group + g)*hd ..] for the group's query heads, read at qkv[qOff + (kvHead*group + g)*hd],
     * attending over positions 0..p of {@code table}.
     */
    void attend(
            BlockTable table,
            int p,
            int kvHead,
            float[] qkv,
            int qOff,
            float[] keys,
            float[] values,
            float[] out,
            int outOff) {
        int span = p + 1, blocks = (span + bs - 1) / bs, stride = blocks * bs;
        float[] s = scores(3 * stride);
        int q0 = qOff + kvHead * group * hd, o0 = outOff + kvHead * group * hd;
        if (tiled && group >= 3) {
            // A group that is not a multiple of three ends with a triple overlapping the one before: the shared heads
            // are computed twice, identically.
            for (int g0 = 0; g0 < group; g0 += 3) {
                int g = Math.min(g0, group - 3), q = q0 + g * hd;
                for (int b = 0; b < blocks; b++) {
                    scoreBlock3(qkv, q, keys, kv.blockOffset(table, b) + kvHead * hd * bs, s, b * bs, stride);
                }
                float i0 = 1f / VectorOps.expShifted(s, 0, span), i1 = 1f / VectorOps.expShifted(s, stride, span);
                float i2 = 1f / VectorOps.expShifted(s, 2 * stride, span);
                weightedValues3(s, stride, span, table, kvHead, values, out, o0 + g * hd, i0, i1, i2);
            }
            return;
        }
        for (int g = 0; g < group; g++) {
            for (int b = 0; b < blocks; b++) {
                scoreBlock(qkv, q0 + g * hd, keys, kv.blockOffset(table, b) + kvHead * hd * bs, s, b * bs);
            }
            VectorOps.softmax(s, 0, span);
            weightedValues(s, span, table, kvHead, values, out, o0 + g * hd);
        }
    }

    /** Scaled q.k of three consecutive query heads at q[qo..] for one block; head j's scores go to s[so + j*stride]. */
    private void scoreBlock3(float[] q, int qo, float[] keys, int kb, float[] s, int so, int stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0;
        FloatVector d0 = a0, d1 = a0, e0 = a0, e1 = a0, f0 = a0, f1 = a0;
        int qa = qo, qb = qo + hd, qc = qo + 2 * hd;
        for (int d = 0; d < hd; d += 2) {
            int k = kb + d * bs;
            FloatVector k0 = FloatVector.fromArray(F, keys, k), k1 = FloatVector.fromArray(F, keys, k + L);
            FloatVector x = FloatVector.broadcast(F, q[qa + d]);
            a0 = k0.fma(x, a0);
            a1 = k1.fma(x, a1);
            x = FloatVector.broadcast(F, q[qb + d]);
            b0 = k0.fma(x, b0);
            b1 = k1.fma(x, b1);
            x = FloatVector.broadcast(F, q[qc + d]);
            c0 = k0.fma(x, c0);
            c1 = k1.fma(x, c1);
            k0 = FloatVector.fromArray(F, keys, k + bs);
            k1 = FloatVector.fromArray(F, keys, k + bs + L);
            x = FloatVector.broadcast(F, q[qa + d + 1]);
            d0 = k0.fma(x, d0);
            d1 = k1.fma(x, d1);
            x = FloatVector.broadcast(F, q[qb + d + 1]);
            e0 = k0.fma(x, e0);
            e1 = k1.fma(x, e1);
            x = FloatVector.broadcast(F, q[qc + d + 1]);
            f0 = k0.fma(x, f0);
            f1 = k1.fma(x, f1);
        }
        a0.add(d0).mul(scale).intoArray(s, so);
        a1.add(d1).mul(scale).intoArray(s, so + L);
        b0.add(e0).mul(scale).intoArray(s, so + stride);
        b1.add(e1).mul(scale).intoArray(s, so + stride + L);
        c0.add(f0).mul(scale).intoArray(s, so + 2 * stride);
        c1.add(f1).mul(scale).intoArray(s, so + 2 * stride + L);
    }

    /**
     * out[oo + j*hd ..] = (sum over t < span of w[j*stride + t] * V[t]) * inv_j for three heads j: each value vector
     * is loaded once for the three weights; inv_j is the softmax denominator's inverse.
     */
    private void weightedValues3(
            float[] w,
            int stride,
            int span,
            BlockTable table,
            int kvHead,
            float[] values,
            float[] out,
            int oo,
            float i0,
            float i1,
            float i2) {
        int blocks = (span + bs - 1) / bs;
        for (int d0 = 0; d0 < hd; d0 += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (int b = 0; b < blocks; b++) {
                int base = kv.blockOffset(table, b) + kvHead * hd + d0, slots = Math.min(bs, span - b * bs);
                for (int slot = 0, t = b * bs; slot < slots; slot++, t++) {
                    int v = base + slot * kvDim;
                    FloatVector v0 = FloatVector.fromArray(F, values, v), v1 = FloatVector.fromArray(F, values, v + L);
                    FloatVector v2 = FloatVector.fromArray(F, values, v + 2 * L);
                    FloatVector v3 = FloatVector.fromArray(F, values, v + 3 * L);
                    FloatVector x = FloatVector.broadcast(F, w[t]);
                    a0 = v0.fma(x, a0);
                    a1 = v1.fma(x, a1);
                    a2 = v2.fma(x, a2);
                    a3 = v3.fma(x, a3);
                    x = FloatVector.broadcast(F, w[stride + t]);
                    b0 = v0.fma(x, b0);
                    b1 = v1.fma(x, b1);
                    b2 = v2.fma(x, b2);
                    b3 = v3.fma(x, b3);
                    x = FloatVector.broadcast(F, w[2 * stride + t]);
                    c0 = v0.fma(x, c0);
                    c1 = v1.fma(x, c1);
                    c2 = v2.fma(x, c2);
                    c3 = v3.fma(x, c3);
                }
            }
            int o = oo + d0;
            a0.mul(i0).intoArray(out, o);
            a1.mul(i0).intoArray(out, o + L);
            a2.mul(i0).intoArray(out, o + 2 * L);
            a3.mul(i0).intoArray(out, o + 3 * L);
            o += hd;
            b0.mul(i1).intoArray(out, o);
            b1.mul(i1).intoArray(out, o + L);
            b2.mul(i1).intoArray(out, o + 2 * L);
            b3.mul(i1).intoArray(out, o + 3 * L);
            o += hd;
            c0.mul(i2).intoArray(out, o);
            c1.mul(i2).intoArray(out, o + L);
            c2.mul(i2).intoArray(out, o + 2 * L);
            c3.mul(i2).intoArray(out, o + 3 * L);
        }
    }

    /** Scaled q.k for the bs slots of one block (slots past the sequence's end are computed and ignored). */
    private void scoreBlock(float[] q, int qo, float[] keys, int kb, float[] s, int so) {
        if (bs != 2 * L) {
            for (int slot = 0; slot < bs; slot++) {
                float sum = 0;
                for (int d = 0; d < hd; d++) sum += q[qo + d] * keys[kb + d * bs + slot];
                s[so + slot] = sum * scale;
            }
            return;
        }
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int d = 0; d < hd; d += 2) {
            int k = kb + d * bs;
            FloatVector x = FloatVector.broadcast(F, q[qo + d]);
            a0 = FloatVector.fromArray(F, keys, k).fma(x, a0);
            a1 = FloatVector.fromArray(F, keys, k + L).fma(x, a1);
            FloatVector y = FloatVector.broadcast(F, q[qo + d + 1]);
            b0 = FloatVector.fromArray(F, keys, k + bs).fma(y, b0);
            b1 = FloatVector.fromArray(F, keys, k + bs + L).fma(y, b1);
        }
        a0.add(b0).mul(scale).intoArray(s, so);
        a1.add(b1).mul(scale).intoArray(s, so + L);
    }

    /** out[oo..oo+hd) = sum over t < span of w[t] * V[t] for this kv head. */
    private void weightedValues(
            float[] w, int span, BlockTable table, int kvHead, float[] values, float[] out, int oo) {
        java.util.Arrays.fill(out, oo, oo + hd, 0f);
        for (int t = 0; t < span; t++) {
            VectorOps.axpy(w[t], values, kv.offset(table, t) + kvHead * hd, out, oo, hd);
        }
    }

    private float[] scores(int size) {
        float[] s = scores.get();
        if (s.length < size) {
            s = new float[size];
            scores.set(s);
        }
        return s;
    }
}
