package dev.fairway.bench.engine;

import dev.fairway.engine.sampling.Sampler;
import dev.fairway.engine.sampling.SamplerConfig;
import dev.fairway.engine.sampling.SequenceState;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `fairway bench sampling`: the cost of sampling one row of logits, the sampler before issue 22 (boxed candidates,
 * full sort) against today's, interleaved round by round in one JVM, for greedy, temperature 1, top-k 40, top-p 0.95,
 * min-p 0.05 and all penalties (repetition, presence, frequency, logit bias over a 640-token history, then
 * temperature 1), at each vocabulary size.
 */
@Command(
        name = "sampling",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Per-row sampling cost, old (pre-issue-22) vs new sampler, interleaved in one run.",
            "Logits are Gaussian with the given standard deviation (seeded); penalties use a 640-token history."
        })
public final class SamplingBenchCommand implements Callable<Integer> {
    @Option(
            names = "--vocab",
            split = ",",
            defaultValue = "32000,152064",
            description = "Vocabulary sizes. Default: ${DEFAULT-VALUE}.")
    List<Integer> vocabs;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description = "Interleaved rounds (old then new each). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--millis", defaultValue = "300", description = "Time per measurement. Default: ${DEFAULT-VALUE}.")
    int millis;

    @Option(
            names = "--logit-std",
            defaultValue = "2.0",
            description = "Standard deviation of the logits. Default: ${DEFAULT-VALUE}.")
    float logitStd;

    private static SamplerConfig cfg(
            float t, float topP, int topK, float minP, float pres, float freq, float rep, Map<Integer, Float> bias) {
        return new SamplerConfig(t, topP, topK, minP, pres, freq, rep, bias, Set.of(), false, 0);
    }

    private static volatile int sink;

    @Override
    public Integer call() {
        Map<Integer, Float> bias = new HashMap<>();
        for (int i = 0; i < 10; i++) bias.put(100 + 37 * i, i % 2 == 0 ? 5f : -5f);
        String[] names = {"greedy", "temperature 1", "top-k 40", "top-p 0.95", "min-p 0.05", "all penalties"};
        SamplerConfig[] cases = {
            cfg(0f, 1f, 0, 0f, 0f, 0f, 1f, Map.of()),
            cfg(1f, 1f, 0, 0f, 0f, 0f, 1f, Map.of()),
            cfg(1f, 1f, 40, 0f, 0f, 0f, 1f, Map.of()),
            cfg(1f, 0.95f, 0, 0f, 0f, 0f, 1f, Map.of()),
            cfg(1f, 1f, 0, 0.05f, 0f, 0f, 1f, Map.of()),
            cfg(1f, 1f, 0, 0f, 0.5f, 0.5f, 1.1f, bias),
        };
        System.out.printf(
                Locale.ROOT, "%-8s %-15s %12s %12s %8s%n", "vocab", "case", "old us/row", "new us/row", "old/new");
        for (int vocab : vocabs) {
            Random rnd = new Random(7);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) logits[i] = (float) rnd.nextGaussian() * logitStd;
            int[] prompt = new int[512];
            for (int i = 0; i < prompt.length; i++) prompt[i] = rnd.nextInt(vocab);
            int[] generated = new int[128];
            for (int i = 0; i < generated.length; i++) generated[i] = rnd.nextInt(vocab);
            for (int c = 0; c < cases.length; c++) {
                double[] old = new double[rounds];
                double[] neu = new double[rounds];
                for (int round = -1; round < rounds; round++) { // round -1 warms up both
                    double o = measure(true, logits, vocab, cases[c], prompt, generated);
                    double n = measure(false, logits, vocab, cases[c], prompt, generated);
                    if (round >= 0) {
                        old[round] = o;
                        neu[round] = n;
                    }
                }
                double mo = median(old);
                double mn = median(neu);
                System.out.printf(Locale.ROOT, "%-8d %-15s %12.1f %12.1f %7.1fx%n", vocab, names[c], mo, mn, mo / mn);
            }
        }
        return 0;
    }

    /** Microseconds per row (median of the interleaved rounds is taken by the caller). */
    private double measure(
            boolean legacy, float[] pristine, int vocab, SamplerConfig p, int[] prompt, int[] generated) {
        float[] row = pristine.clone();
        boolean penalties = !p.logitBias().isEmpty() || p.repetitionPenalty() != 1f;
        SequenceState st = new SequenceState(1, prompt);
        for (int t : generated) st.accept(t);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        long start = System.nanoTime();
        int n = 0;
        int acc = 0;
        do {
            for (int i = 0; i < 4; i++) {
                if (penalties) {
                    System.arraycopy(pristine, 0, row, 0, vocab);
                    Sampler.process(row, 0, vocab, p, st, Set.of());
                }
                acc += legacy ? LegacySampler.pick(row, 0, vocab, p, st) : Sampler.pick(row, 0, vocab, p, st);
                n++;
            }
        } while (System.nanoTime() < deadline);
        sink = acc;
        return (System.nanoTime() - start) / 1e3 / n;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The sampler's pick() as it was before issue 22, kept verbatim as the baseline. */
    static final class LegacySampler {
        private LegacySampler() {}

        static int pick(float[] logits, int off, int vocab, SamplerConfig p, SequenceState st) {
            if (p.isGreedy()) return Sampler.argmax(logits, off, vocab);
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

        private static Integer[] candidates(float[] probs, SamplerConfig p, float sum) {
            float maxProb = 0;
            for (float v : probs) maxProb = Math.max(maxProb, v);
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
    }
}
