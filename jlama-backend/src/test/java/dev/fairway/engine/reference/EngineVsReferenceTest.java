package dev.fairway.engine.reference;

import static dev.fairway.engine.reference.EngineHarness.assertLogitsClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.reference.EngineHarness.Kv;
import dev.fairway.engine.reference.EngineHarness.Row;
import dev.fairway.testkit.RandomWeights.SmallConfig;
import dev.fairway.testkit.ReferenceLlama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ModelRunner logits vs the plain {@link ReferenceLlama} on seeded random weights, for llama and qwen2 shapes whose
 * dims are not multiples of 128 (hidden 576 with 9/3 heads, intermediate 172 and 192), the 64/256 stories shape,
 * qwen3 shapes (per-head q/k norm; heads wider than hidden / heads), a Llama 3.1 rope_scaling shape (head dim 16, theta 500000), and 4 and 8 query heads per kv head at head dim 64
 * (attention takes query heads three at a time; these groups end with an overlapping triple).
 */
class EngineVsReferenceTest {
    static final double REL = 1e-3;

    static Stream<SmallConfig> shapes() {
        return Stream.of(
                SmallConfig.llama(576, 192, 9, 3, 2, 512),
                SmallConfig.llama(576, 172, 9, 3, 2, 512).withTied(false),
                SmallConfig.qwen2(576, 172, 9, 3, 2, 512),
                SmallConfig.qwen2(576, 192, 9, 3, 2, 512).withTied(true),
                SmallConfig.llama(64, 256, 8, 4, 2, 512),
                SmallConfig.llama(64, 256, 4, 2, 2, 512).withLlama3Rope(),
                SmallConfig.qwen2(64, 256, 8, 4, 2, 512),
                SmallConfig.llama(256, 256, 4, 1, 2, 512),
                SmallConfig.qwen2(512, 256, 8, 1, 2, 512),
                SmallConfig.qwen3(64, 256, 4, 2, 32, 2, 512),
                SmallConfig.qwen3(576, 192, 9, 3, 64, 2, 512));
    }

    private record Loaded(Path folder, Model model, ReferenceLlama ref) {}

    private static final Map<String, Loaded> CACHE = new ConcurrentHashMap<>();

    /** F32 engine model and the reference read independently from the same folder (checks the loader too). */
    static Loaded f32(SmallConfig spec) {
        return CACHE.computeIfAbsent(spec.name() + "/F32", k -> {
            Path folder = EngineHarness.smallModel(spec);
            return new Loaded(folder, Model.load(folder, "F32"), ReferenceLlama.load(folder));
        });
    }

    /** Part of a step: tokens [from, to) of sequence {@code seq}; logits on every row or only the last. */
    record Part(int seq, int from, int to, boolean logitsOnAll) {}

    record Out(int seq, int position, float[] logits) {}

    static List<Out> run(Kv kv, int[][] seqs, List<List<Part>> steps) {
        BlockTable[] tables = new BlockTable[seqs.length];
        for (int i = 0; i < seqs.length; i++) tables[i] = new BlockTable();
        List<Out> outs = new ArrayList<>();
        for (List<Part> step : steps) {
            List<Row> rows = new ArrayList<>();
            List<int[]> ids = new ArrayList<>();
            for (Part p : step) {
                for (Row r : EngineHarness.chunk(tables[p.seq()], seqs[p.seq()], p.from(), p.to(), p.logitsOnAll())) {
                    rows.add(r);
                    if (r.wantLogits()) ids.add(new int[] {p.seq(), r.position()});
                }
            }
            float[][] lg = EngineHarness.step(kv, rows);
            assertThat(lg).hasNumberOfRows(ids.size());
            for (int j = 0; j < lg.length; j++) outs.add(new Out(ids.get(j)[0], ids.get(j)[1], lg[j]));
        }
        return outs;
    }

    static void check(String what, ReferenceLlama ref, int[][] seqs, List<Out> outs, double rel) {
        float[][][] expected = new float[seqs.length][][];
        for (Out o : outs) {
            if (expected[o.seq()] == null) expected[o.seq()] = ref.logits(seqs[o.seq()]);
            assertLogitsClose(
                    what + " seq " + o.seq() + " pos " + o.position(),
                    o.logits(),
                    expected[o.seq()][o.position()],
                    rel);
        }
    }

    static int[][] sequences(long seed, int... lengths) {
        Random r = new Random(seed);
        int[][] s = new int[lengths.length][];
        for (int i = 0; i < lengths.length; i++) s[i] = EngineHarness.randomTokens(r, lengths[i], 512);
        return s;
    }

    /** Sequence 0 is prefilled 0..10, then a chunk 10..26 runs in the same step as decode rows of 1, 2 and 3. */
    static final int[] MIXED_LENGTHS = {30, 8, 13, 20};

    static List<List<Part>> mixedSteps() {
        return List.of(
                List.of(new Part(0, 0, 10, false)),
                List.of(new Part(1, 0, 7, false), new Part(2, 0, 12, false)),
                List.of(new Part(3, 0, 19, false)),
                List.of(
                        new Part(1, 7, 8, false),
                        new Part(0, 10, 26, true),
                        new Part(2, 12, 13, false),
                        new Part(3, 19, 20, false)),
                List.of(new Part(0, 26, 30, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void singleRow(SmallConfig spec) {
        Loaded m = f32(spec);
        int[][] seqs = {{1}, {1, 300}};
        Kv kv = new Kv(m.model(), 8, 16, false, 0);
        List<Out> outs = run(kv, seqs, List.of(List.of(new Part(0, 0, 1, false))));
        check("single row", m.ref(), seqs, outs, REL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void prefillMatchesEveryPosition(SmallConfig spec) {
        Loaded m = f32(spec);
        int[][] seqs = sequences(11, 40);
        Kv kv = new Kv(m.model(), 8, 16, false, 0);
        check("prefill", m.ref(), seqs, run(kv, seqs, List.of(List.of(new Part(0, 0, 40, true)))), REL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void eightDecodeRowsAtDifferentPositions(SmallConfig spec) {
        Loaded m = f32(spec);
        int[] lengths = {1, 3, 5, 9, 16, 17, 23, 34};
        int[][] seqs = sequences(12, lengths);
        List<List<Part>> steps = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] > 1) steps.add(List.of(new Part(i, 0, lengths[i] - 1, false)));
        }
        List<Part> decode = new ArrayList<>();
        for (int i = lengths.length - 1; i >= 0; i--) decode.add(new Part(i, lengths[i] - 1, lengths[i], false));
        steps.add(decode);
        Kv kv = new Kv(m.model(), 32, 16, false, 0);
        List<Out> outs = run(kv, seqs, steps);
        List<Out> decodeOuts = outs.subList(outs.size() - lengths.length, outs.size());
        assertThat(decodeOuts).extracting(Out::position).containsExactly(33, 22, 16, 15, 8, 4, 2, 0);
        check("decode", m.ref(), seqs, decodeOuts, REL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void prefillChunkMixedWithDecodeRows(SmallConfig spec) {
        Loaded m = f32(spec);
        int[][] seqs = sequences(13, MIXED_LENGTHS);
        Kv kv = new Kv(m.model(), 32, 16, false, 0);
        List<Out> outs = run(kv, seqs, mixedSteps());
        check("mixed", m.ref(), seqs, outs, REL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void shuffledPagedBlocksGiveIdenticalLogits(SmallConfig spec) {
        Loaded m = f32(spec);
        int[][] seqs = sequences(14, MIXED_LENGTHS);
        List<Out> contiguous = run(new Kv(m.model(), 64, 4, false, 0), seqs, mixedSteps());
        List<Out> shuffled = run(new Kv(m.model(), 64, 4, true, 99), seqs, mixedSteps());
        assertThat(shuffled).hasSameSizeAs(contiguous);
        for (int i = 0; i < contiguous.size(); i++) {
            assertThat(shuffled.get(i).logits())
                    .as("row %d", i)
                    .containsExactly(contiguous.get(i).logits());
        }
        check("paged", m.ref(), seqs, shuffled, REL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void q4WeightsMatchReferenceOnTheSameDequantizedWeights(SmallConfig spec) {
        quantized(spec, "Q4");
    }

    @Test
    void q8WeightsMatchReferenceOnTheSameDequantizedWeights() {
        quantized(SmallConfig.qwen2(576, 192, 9, 3, 2, 512), "Q8");
    }

    private static void quantized(SmallConfig spec, String type) {
        Path folder = EngineHarness.smallModel(spec);
        Model model = Model.load(folder, type);
        assertThat(model.weights().layers()[0].qkv().type()).isEqualTo(type);
        ReferenceLlama ref = EngineHarness.referenceFromModel(model, folder);
        int[][] seqs = sequences(15, MIXED_LENGTHS);
        List<Out> outs = run(new Kv(model, 64, 4, true, 5), seqs, mixedSteps());
        check(type, ref, seqs, outs, REL);
        // and the quantization is real: the F32 reference disagrees by more than rounding noise
        float[][] f32 = f32(spec).ref().logits(seqs[0]);
        Out last = outs.get(outs.size() - 1);
        double diff = 0;
        for (int i = 0; i < f32[last.position()].length; i++)
            diff = Math.max(diff, Math.abs(f32[last.position()][i] - last.logits()[i]));
        assertThat(diff).as("%s logits differ from F32", type).isGreaterThan(1e-4);
    }
}
