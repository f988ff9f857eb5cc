package dev.fairway.engine.reference;

import static dev.fairway.engine.reference.EngineHarness.assertLogitsClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.gguf.GgufFile;
import dev.fairway.engine.gguf.GgufModel;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.GgufExport;
import dev.fairway.testkit.GgufQuantizer;
import dev.fairway.testkit.GgufWriter;
import dev.fairway.testkit.RandomWeights.SmallConfig;
import dev.fairway.testkit.ReferenceLlama;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GGUF files written the way llama.cpp's converter lays them out (testkit's GgufWriter/GgufExport) load into the
 * same model as the folder they came from: qwen3 (q/k norm tensors, no rope permutation), qwen2 (biases) and llama
 * (q/k rows permuted to the interleaved order and back). The writer's quantizers are checked against our
 * dequantizer, itself checked against gguf-py (GgufDequantTest). This covers architectures llama.cpp's own files
 * in ../shared do not.
 */
class GgufExportTest {
    @TempDir
    Path tmp;

    static Stream<SmallConfig> shapes() {
        return Stream.of(
                SmallConfig.qwen3(64, 256, 4, 2, 32, 2, 512),
                SmallConfig.qwen2(64, 256, 8, 4, 2, 512),
                SmallConfig.llama(64, 256, 8, 4, 2, 512).withTied(false));
    }

    private static Map<String, Object> storiesTokenizer() throws Exception {
        try (GgufFile f = GgufFile.open(EngineHarness.shared().resolve("models/gguf/stories260K-F32.gguf"))) {
            return f.metadata();
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void exportedGgufGivesTheFolderModelsLogits(SmallConfig spec) throws Exception {
        Path folder = EngineHarness.smallModel(spec);
        Path gguf = tmp.resolve(spec.name() + ".gguf");
        GgufExport.export(folder, gguf, GgufExport.all(GgufQuantizer.Type.F32), storiesTokenizer());
        Model fromGguf = GgufModel.load(gguf, "F32");
        assertThat(fromGguf.config().architecture()).isEqualTo(spec.architecture());
        ReferenceLlama viaGguf = EngineHarness.referenceFromModel(fromGguf, folder);
        ReferenceLlama viaFolder = ReferenceLlama.load(folder);
        int[] tokens = EngineHarness.randomTokens(new Random(7), 12, 512);
        float[][] a = viaGguf.logits(tokens), b = viaFolder.logits(tokens);
        for (int i = 0; i < tokens.length; i++) assertLogitsClose(spec.name() + " @" + i, a[i], b[i], 1e-4);
    }

    @Test
    void quantizedBlocksRoundTripThroughOurDequantizer() throws Exception {
        Random r = new Random(3);
        float[] x = new float[4 * 256];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.02);
        Path file = tmp.resolve("q.gguf");
        GgufWriter w = new GgufWriter().put("general.architecture", "llama");
        for (GgufQuantizer.Type t : GgufQuantizer.Type.values()) {
            w.tensor("t." + t, new long[] {256, 4}, t, () -> x);
        }
        w.write(file);
        Map<GgufQuantizer.Type, Double> bound = Map.of(
                GgufQuantizer.Type.F32, 0.0,
                GgufQuantizer.Type.Q8_0, 0.01,
                GgufQuantizer.Type.Q6_K, 0.04,
                GgufQuantizer.Type.Q4_K, 0.15);
        try (GgufFile f = GgufFile.open(file)) {
            for (GgufQuantizer.Type t : GgufQuantizer.Type.values()) {
                float[] y = f.floats(f.tensor("t." + t));
                double err = 0, norm = 0;
                for (int i = 0; i < x.length; i++) {
                    err += (x[i] - y[i]) * (double) (x[i] - y[i]);
                    norm += x[i] * (double) x[i];
                }
                assertThat(Math.sqrt(err / norm))
                        .as("relative RMS error of " + t)
                        .isLessThanOrEqualTo(bound.get(t));
            }
        }
    }
}
