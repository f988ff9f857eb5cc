package dev.fairway.engine.sampling;

import java.util.Arrays;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Turns one row of logits into a token: logit bias, penalties and min_tokens first (they change the model's
 * distribution, and logprobs report it), then temperature, top-k, top-p and min-p for the draw. Greedy when
 * temperature is 0. Randomness comes only from the sequence's own seeded generator, so batching never changes a draw.
 */
public final class Sampler {
    private Sampler() {}

    /** Applies bias, penalties and EOS suppression in place on logits[off, off+vocab). */
    public static void process(
            float[] logits, int off, int vocab, SamplerConfig p, SequenceState st, java.util.Set<Integer> eosIds) {
        for (Map.Entry<Integer, Float> e : p.logitBias().entrySet()) {
            int t = e.getKey();
            if (t >= 0 && t < vocab) logits[off + t] += e.getValue();
        }
        if (p.repetitionPenalty() != 1f) {
            float rp = p.repetitionPenalty();
            st.forEachSeen(t -> {
                if (t < vocab) {
                    float v = logits[off + t];
                    logits[off + t] = v > 0 ? v / rp : v * rp;
                }
            });
        }
        if (p.presencePenalty() != 0f || p.frequencyPenalty() != 0f) {
            st.forEachOutputCount((t, count) -> {
                if (t < vocab) logits[off + t] -= p.presencePenalty() + p.frequencyPenalty() * count;
            });
        }
        if (p.ignoreEos() || st.generated() < p.minTokens()) {
            for (int eos : eosIds) if (eos < vocab) logits[off + eos] = Float.NEGATIVE_INFINITY;
            for (int stop : p.stopTokenIds())
                if (stop < vocab && st.generated() < p.minTokens()) logits[off + stop] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Picks the next token from processed logits. Allocation-free in steady state (per-thread scratch). */
    public static int pick(float[] logits, int off, int vocab, SamplerConfig p, SequenceState st) {
        if (p.isGreedy()) return argmax(logits, off, vocab);
        Scratch s = SCRATCH.get();
        float[] probs = s.probs(vocab);
        float inv = 1f / p.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        if (max == Float.NEGATIVE_INFINITY) return argmax(logits, off, vocab);
        double sum = expInto(logits, off, vocab, max, inv, probs);
        float maxProb = 1f; // the top token's weight is exp(0)
        if (p.topK() <= 0 && p.topP() >= 1f && p.minP() <= 0f) {
            // Temperature only: inverse CDF in index order over the whole vocabulary.
            double r = st.random().nextDouble() * sum;
            int last = -1;
            for (int i = 0; i < vocab; i++) {
                float v = probs[i];
                if (v > 0f) {
                    last = i;
                    r -= v;
                    if (r <= 0) return i;
                }
            }
            return last < 0 ? 0 : last;
        }
        // Tokens below 1e-7 of the top one cannot matter to top-p/min-p at float precision.
        float floor = Math.max(maxProb * 1e-7f, p.minP() > 0 ? p.minP() * maxProb : 0f);
        int n;
        long[] cand;
        if (p.topK() > 0) {
            int k = Math.min(p.topK(), vocab);
            cand = s.cand(k);
            n = topK(probs, vocab, floor, k, cand);
        } else {
            // Cheap threshold: the top-p set lies within the tokens above any threshold whose mass reaches top-p.
            float thr = floor;
            if (p.topP() < 1f) {
                double need = p.topP() * sum;
                for (float c = 0.1f; c > 1e-7f; c *= 0.1f) {
                    float t = maxProb * c;
                    if (t <= floor) break;
                    double mass = 0;
                    for (int i = 0; i < vocab; i++) {
                        float v = probs[i];
                        if (v >= t) mass += v;
                    }
                    if (mass >= need) {
                        thr = t;
                        break;
                    }
                }
            }
            cand = s.cand(vocab);
            n = 0;
            for (int i = 0; i < vocab; i++) if (probs[i] >= thr && probs[i] > 0f) cand[n++] = pack(probs[i], i);
        }
        if (n == 0) return argmax(logits, off, vocab);
        // The kept tokens end up in cand[from, n); the draw walks them from the end (most probable first when sorted).
        int from = 0;
        if (p.topP() < 1f) {
            if (p.topK() > 0) {
                // Ascending by probability, ties by index descending: walking from the end gives most probable first.
                Arrays.sort(cand, 0, n);
                double cum = 0;
                for (int j = 0; j < n; j++) {
                    cum += probs[index(cand[n - 1 - j])] / sum;
                    if (cum >= p.topP()) {
                        from = n - 1 - j;
                        break;
                    }
                }
            } else {
                from = selectMass(cand, probs, 0, n, p.topP() * sum);
            }
        }
        double total = 0;
        for (int j = n - 1; j >= from; j--) total += probs[index(cand[j])];
        double r = st.random().nextDouble() * total;
        for (int j = n - 1; j >= from; j--) {
            int t = index(cand[j]);
            r -= probs[t];
            if (r <= 0) return t;
        }
        return index(cand[from]);
    }

    /**
     * Rearranges a[lo, hi) (unique packed keys) so that a[s, hi) holds the smallest set of largest keys whose
     * probabilities sum to at least need, and returns s (lo when all of them fall short): quickselect by mass,
     * linear on average, the same set a descending sort followed by a running sum would keep.
     */
    private static int selectMass(long[] a, float[] probs, int lo, int hi, double need) {
        while (hi - lo > 32) {
            int mid = (lo + hi) >>> 1;
            long pivot = a[mid];
            a[mid] = a[hi - 1];
            a[hi - 1] = pivot;
            int store = lo;
            for (int i = lo; i < hi - 1; i++) {
                if (a[i] < pivot) {
                    long x = a[i];
                    a[i] = a[store];
                    a[store] = x;
                    store++;
                }
            }
            a[hi - 1] = a[store];
            a[store] = pivot;
            // a[lo, store) < pivot = a[store] < a[store + 1, hi)
            double above = 0;
            for (int i = store + 1; i < hi; i++) above += probs[index(a[i])];
            if (above >= need) {
                lo = store + 1;
            } else {
                double withPivot = above + probs[index(pivot)];
                if (withPivot >= need) return store;
                need -= withPivot;
                hi = store;
            }
        }
        Arrays.sort(a, lo, hi);
        double cum = 0;
        for (int j = hi - 1; j >= lo; j--) {
            cum += probs[index(a[j])];
            if (cum >= need) return j;
        }
        return lo;
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** probs[i] = exp((logits[off+i] - max) * inv) with the Vector API's exp; returns the sum (in double per block). */
    private static double expInto(float[] logits, int off, int vocab, float max, float inv, float[] probs) {
        double sum = 0;
        int lanes = F.length();
        int i = 0;
        int bound = F.loopBound(vocab);
        while (i < bound) {
            int end = Math.min(bound, i + 32 * lanes);
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += lanes) {
                FloatVector e = FloatVector.fromArray(F, logits, off + i)
                        .sub(max)
                        .mul(inv)
                        .lanewise(VectorOperators.EXP);
                e.intoArray(probs, i);
                acc = acc.add(e);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < vocab; i++) {
            float e = (float) Math.exp((logits[off + i] - max) * inv);
            probs[i] = e;
            sum += e;
        }
        return sum;
    }

    /** The k most probable tokens at or above floor, packed, via a bounded min-heap; returns how many. */
    private static int topK(float[] probs, int vocab, float floor, int k, long[] heap) {
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float v = probs[i];
            if (v < floor || v <= 0f) continue;
            long key = pack(v, i);
            if (n < k) {
                int c = n++;
                while (c > 0) {
                    int parent = (c - 1) >>> 1;
                    if (heap[parent] <= key) break;
                    heap[c] = heap[parent];
                    c = parent;
                }
                heap[c] = key;
            } else if (key > heap[0]) {
                int c = 0;
                while (true) {
                    int l = 2 * c + 1;
                    if (l >= n) break;
                    int m = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
                    if (heap[m] >= key) break;
                    heap[c] = heap[m];
                    c = m;
                }
                heap[c] = key;
            }
        }
        return n;
    }

    /** Orders by probability (non-negative float bits are monotone), then by lower index first. */
    private static long pack(float prob, int index) {
        return ((long) Float.floatToRawIntBits(prob) << 32) | (Integer.MAX_VALUE - index);
    }

    private static int index(long packed) {
        return Integer.MAX_VALUE - (int) packed;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        private float[] probs = new float[0];
        private long[] cand = new long[0];

        float[] probs(int n) {
            if (probs.length < n) probs = new float[n];
            return probs;
        }

        long[] cand(int n) {
            if (cand.length < n) cand = new long[n];
            return cand;
        }
    }

    public static int argmax(float[] v, int off, int len) {
        int best = 0;
        float bv = v[off];
        for (int i = 1; i < len; i++) {
            if (v[off + i] > bv) {
                bv = v[off + i];
                best = i;
            }
        }
        return best;
    }

    /** log-softmax of logits[off, off+vocab) into out (for logprobs). */
    public static void logSoftmax(float[] logits, int off, int vocab, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        float lse = (float) (max + Math.log(sum));
        for (int i = 0; i < vocab; i++) out[i] = logits[off + i] - lse;
    }
}
