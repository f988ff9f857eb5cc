package dev.fairway.engine.sampling;

import java.util.Arrays;
import java.util.Map;

/**
 * Turns one row of logits into a token: logit bias, penalties and min_tokens first (they change the model's
 * distribution, and logprobs report it), then temperature, top-k, top-p and min-p for the draw. Greedy when
 * temperature is 0. Randomness comes only from the sequence's own seeded generator, so batching never changes a draw.
 */
public final class Sampler {
    private Sampler() {}

    /** Applies bias, penalties and EOS suppression in place on logits[off, off+vocab). */
    public static void process(float[] logits, int off, int vocab, SamplerConfig p, SequenceState st,
            java.util.Set<Integer> eosIds) {
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
            for (int stop : p.stopTokenIds()) if (stop < vocab && st.generated() < p.minTokens()) logits[off + stop] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Picks the next token from processed logits. */
    public static int pick(float[] logits, int off, int vocab, SamplerConfig p, SequenceState st) {
        if (p.isGreedy()) return argmax(logits, off, vocab);
        float inv = 1f / p.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        float[] probs = new float[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            float e = (float) Math.exp((logits[off + i] - max) * inv);
            probs[i] = e;
            sum += e;
        }
        Integer[] order = candidates(probs, p, (float) sum);
        double total = 0;
        for (Integer t : order) total += probs[t];
        double r = st.random().nextDouble() * total;
        for (Integer t : order) {
            r -= probs[t];
            if (r <= 0) return t;
        }
        return order[order.length - 1];
    }

    /** Tokens surviving top-k, top-p and min-p, most probable first. */
    private static Integer[] candidates(float[] probs, SamplerConfig p, float sum) {
        float maxProb = 0;
        for (float v : probs) maxProb = Math.max(maxProb, v);
        // Tokens below 1e-7 of the top one cannot matter to top-p/min-p at float precision; skip sorting them.
        float floor = Math.max(maxProb * 1e-7f, p.minP() > 0 ? p.minP() * maxProb : 0f);
        int n = 0;
        for (float v : probs) if (v >= floor) n++;
        Integer[] idx = new Integer[n];
        for (int i = 0, j = 0; i < probs.length; i++) if (probs[i] >= floor) idx[j++] = i;
        Arrays.sort(idx, (a, b) -> Float.compare(probs[b], probs[a]));
        int keep = idx.length;
        if (p.topK() > 0) keep = Math.min(keep, p.topK());
        if (p.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += probs[idx[i]] / sum;
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        return Arrays.copyOf(idx, Math.max(1, keep));
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
