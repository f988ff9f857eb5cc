package dev.fairway.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pins the sampler's distribution: many seeded draws on a small vocabulary against the exact distribution that
 * temperature, top-k, top-p and min-p define, with a chi-square test at alpha = 0.001. The seed is fixed, so the
 * test is deterministic (it cannot flake); a wrong distribution fails it by orders of magnitude.
 */
class SamplerDistributionTest {
    private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.5f, 0.0f, 1.0f, -3.0f, -0.5f, 1.0f};
    private static final int DRAWS = 200_000;
    /** Chi-square critical values at alpha = 0.001 for 1..8 degrees of freedom. */
    private static final double[] CRITICAL = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12};

    private static SamplerConfig config(float temperature, float topP, int topK, float minP) {
        return new SamplerConfig(temperature, topP, topK, minP, 0f, 0f, 1f, Map.of(), Set.of(), false, 0);
    }

    /** The exact distribution, computed the slow, obvious way. */
    private static double[] exact(SamplerConfig p) {
        return exact(LOGITS, p);
    }

    private static double[] exact(float[] LOGITS, SamplerConfig p) {
        int v = LOGITS.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : LOGITS) max = Math.max(max, l);
        double[] w = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) sum += w[i] = Math.exp((LOGITS[i] - max) / p.temperature());
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(w[b], w[a]));
        boolean[] keep = new boolean[v];
        double cum = 0;
        for (int rank = 0; rank < v; rank++) {
            int t = order[rank];
            if (p.topK() > 0 && rank >= p.topK()) break;
            if (p.minP() > 0 && w[t] < p.minP()) continue; // the top weight is 1
            keep[t] = true;
            cum += w[t] / sum;
            if (p.topP() < 1f && cum >= p.topP()) break;
        }
        double total = 0;
        for (int i = 0; i < v; i++) if (keep[i]) total += w[i];
        double[] q = new double[v];
        for (int i = 0; i < v; i++) q[i] = keep[i] ? w[i] / total : 0;
        return q;
    }

    private static void assertDrawsFollow(SamplerConfig p, long seed, int expectedSupport) {
        assertDrawsFollow(LOGITS, p, seed, expectedSupport);
    }

    private static void assertDrawsFollow(float[] LOGITS, SamplerConfig p, long seed, int expectedSupport) {
        double[] q = exact(LOGITS, p);
        assertThat(Arrays.stream(q).filter(x -> x > 0).count()).isEqualTo(expectedSupport);
        long[] counts = new long[LOGITS.length];
        SequenceState st = new SequenceState(seed, new int[0]);
        float[] logits = new float[LOGITS.length + 3];
        for (int i = 0; i < DRAWS; i++) {
            System.arraycopy(LOGITS, 0, logits, 3, LOGITS.length); // an offset row, as in a batch
            counts[Sampler.pick(logits, 3, LOGITS.length, p, st)]++;
        }
        double chi2 = 0;
        int support = 0;
        for (int i = 0; i < q.length; i++) {
            if (q[i] == 0) {
                assertThat(counts[i])
                        .as("token %d is outside the support of %s", i, p)
                        .isZero();
                continue;
            }
            support++;
            double e = q[i] * DRAWS;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        if (support > 1) {
            assertThat(chi2)
                    .as("chi-square of %s, counts %s vs %s", p, Arrays.toString(counts), Arrays.toString(q))
                    .isLessThan(critical(support - 1));
        } else {
            assertThat(counts[argmax(q)]).isEqualTo(DRAWS);
        }
    }

    /** The table up to 8 degrees of freedom, then the Wilson-Hilferty approximation (z = 3.09 for alpha = 0.001). */
    private static double critical(int df) {
        if (df <= CRITICAL.length) return CRITICAL[df - 1];
        double c = 2.0 / (9 * df);
        return df * Math.pow(1 - c + 3.09 * Math.sqrt(c), 3);
    }

    private static int argmax(double[] q) {
        int best = 0;
        for (int i = 1; i < q.length; i++) if (q[i] > q[best]) best = i;
        return best;
    }

    @Test
    void temperatureAloneFollowsTheSoftmax() {
        assertDrawsFollow(config(1f, 1f, 0, 0f), 1, 9);
        assertDrawsFollow(config(0.7f, 1f, 0, 0f), 2, 9);
        assertDrawsFollow(config(1.8f, 1f, 0, 0f), 3, 9);
    }

    @Test
    void topKKeepsTheKMostProbable() {
        assertDrawsFollow(config(1f, 1f, 4, 0f), 4, 4);
        assertDrawsFollow(config(1f, 1f, 1, 0f), 5, 1);
        assertDrawsFollow(config(1f, 1f, 50, 0f), 6, 9); // k above the vocabulary keeps everything
    }

    @Test
    void topKBreaksTiesByLowerIndex() {
        // tokens 5 and 8 tie (logit 1.0): the 3rd place goes to 5
        double[] q = exact(config(1f, 1f, 3, 0f));
        assertThat(q[5]).isPositive();
        assertThat(q[8]).isZero();
        assertDrawsFollow(config(1f, 1f, 3, 0f), 7, 3);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        assertDrawsFollow(config(1f, 0.8f, 0, 0f), 8, 4);
        assertDrawsFollow(config(1f, 0.5f, 0, 0f), 9, 2);
        assertDrawsFollow(config(0.5f, 0.95f, 0, 0f), 10, 4);
    }

    @Test
    void topPOnALargerVocabularySelectsTheSameSetAsASort() {
        // 300 tokens: enough that the mass quickselect partitions before it sorts a small rest
        float[] logits = new float[300];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 0.7);
        SamplerConfig p = config(1f, 0.6f, 0, 0f);
        long support = Arrays.stream(exact(logits, p)).filter(x -> x > 0).count();
        assertThat(support).isBetween(50L, 250L);
        assertDrawsFollow(logits, p, 15, (int) support);
        SamplerConfig q = config(1.3f, 0.9f, 0, 0.3f);
        assertDrawsFollow(logits, q, 16, (int)
                Arrays.stream(exact(logits, q)).filter(x -> x > 0).count());
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        assertDrawsFollow(config(1f, 1f, 0, 0.2f), 11, 5);
        assertDrawsFollow(config(1f, 1f, 0, 0.5f), 12, 2);
    }

    @Test
    void filtersCombine() {
        assertDrawsFollow(config(0.9f, 0.9f, 4, 0.1f), 13, 4);
        assertDrawsFollow(config(1.2f, 0.7f, 0, 0.05f), 14, 4);
    }

    @Test
    void sameSeedSameDraws() {
        SamplerConfig p = config(1f, 0.95f, 40, 0.05f);
        int[] a = new int[200];
        int[] b = new int[200];
        SequenceState sa = new SequenceState(42, new int[0]);
        SequenceState sb = new SequenceState(42, new int[0]);
        for (int i = 0; i < a.length; i++) {
            a[i] = Sampler.pick(LOGITS.clone(), 0, LOGITS.length, p, sa);
            b[i] = Sampler.pick(LOGITS.clone(), 0, LOGITS.length, p, sb);
        }
        assertThat(a).isEqualTo(b);
    }
}
