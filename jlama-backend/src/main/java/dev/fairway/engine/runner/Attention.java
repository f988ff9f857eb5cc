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
 * (no horizontal sum per position); the weighted sum of values keeps its accumulators in registers across positions.
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
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[1024]);

    Attention(ModelConfig c, PagedKvCache kv) {
        this.kv = kv;
        this.hd = c.headDim();
        this.group = c.heads() / c.kvHeads();
        this.bs = kv.blockSize();
        this.kvDim = c.kvDim();
        this.scale = (float) (1.0 / Math.sqrt(hd));
    }

    /**
     * Writes out[outOff + (kvHead*group + g)*hd ..] for the group's query heads, read at qkv[qOff + (kvHead*group + g)*hd],
     * attending over positions 0..p of {@code table}.
     */
    void attend(BlockTable table, int p, int kvHead, float[] qkv, int qOff, float[] keys, float[] values,
                float[] out, int outOff) {
        int span = p + 1, blocks = (span + bs - 1) / bs, stride = blocks * bs;
        float[] s = scores(group * stride);
        int q0 = qOff + kvHead * group * hd;
        for (int b = 0; b < blocks; b++) {
            int kb = kv.blockOffset(table, b) + kvHead * hd * bs;
            for (int g = 0; g < group; g++) scoreBlock(qkv, q0 + g * hd, keys, kb, s, g * stride + b * bs);
        }
        int o0 = outOff + kvHead * group * hd;
        for (int g = 0; g < group; g++) {
            VectorOps.softmax(s, g * stride, span);
            weightedValues(s, g * stride, span, table, kvHead, values, out, o0 + g * hd);
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

    /** out[oo..oo+hd) = sum over t < span of w[wo+t] * V[t] for this kv head. */
    private void weightedValues(float[] w, int wo, int span, BlockTable table, int kvHead, float[] values,
                                float[] out, int oo) {
        int blocks = (span + bs - 1) / bs;
        if (hd % (4 * L) != 0) {
            java.util.Arrays.fill(out, oo, oo + hd, 0f);
            for (int t = 0; t < span; t++) {
                VectorOps.axpy(w[wo + t], values, kv.offset(table, t) + kvHead * hd, out, oo, hd);
            }
            return;
        }
        for (int d0 = 0; d0 < hd; d0 += 4 * L) {
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            for (int b = 0; b < blocks; b++) {
                int base = kv.blockOffset(table, b) + kvHead * hd + d0, slots = Math.min(bs, span - b * bs);
                for (int slot = 0, t = wo + b * bs; slot < slots; slot++, t++) {
                    int v = base + slot * kvDim;
                    FloatVector x = FloatVector.broadcast(F, w[t]);
                    c0 = FloatVector.fromArray(F, values, v).fma(x, c0);
                    c1 = FloatVector.fromArray(F, values, v + L).fma(x, c1);
                    c2 = FloatVector.fromArray(F, values, v + 2 * L).fma(x, c2);
                    c3 = FloatVector.fromArray(F, values, v + 3 * L).fma(x, c3);
                }
            }
            c0.intoArray(out, oo + d0);
            c1.intoArray(out, oo + d0 + L);
            c2.intoArray(out, oo + d0 + 2 * L);
            c3.intoArray(out, oo + d0 + 3 * L);
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
