package dev.fairway.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import dev.fairway.engine.model.LayerWeights;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.model.ModelConfig;
import dev.fairway.engine.reference.EngineHarness.Kv;
import dev.fairway.testkit.ReferenceLlama;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine's quantize-on-load holds exactly the weights jlama's own quantizeModel writes (stories260K-JQ4 was made
 * by SafeTensorSupport.quantizeModel from stories260K), and the engine runs a jlama-quantized folder correctly.
 */
class QuantizationMatchesJlamaTest {
    static final Path F32 = EngineHarness.shared().resolve("models/stories260K");
    static final Path JQ4 = EngineHarness.shared().resolve("models/stories260K-JQ4");

    @Test
    void q4OnLoadEqualsJlamaQuantizeModel() throws Exception {
        Model m = Model.load(F32, "Q4");
        ModelConfig c = m.config();
        int q = c.qDim(), kv = c.kvDim(), ff = c.intermediate();
        try (WeightLoader jq = SafeTensorSupport.loadWeights(JQ4.toFile())) {
            for (int l = 0; l < c.layers(); l++) {
                LayerWeights lw = m.weights().layers()[l];
                String p = "model.layers." + l + ".";
                ReferenceLlama.Mat qkv = EngineHarness.mat(lw.qkv()), gu = EngineHarness.mat(lw.gateUp());
                same(EngineHarness.rows(qkv, 0, q), ReferenceLlama.read(jq, p + "self_attn.q_proj.weight"));
                same(EngineHarness.rows(qkv, q, kv), ReferenceLlama.read(jq, p + "self_attn.k_proj.weight"));
                same(EngineHarness.rows(qkv, q + kv, kv), ReferenceLlama.read(jq, p + "self_attn.v_proj.weight"));
                same(EngineHarness.mat(lw.o()), ReferenceLlama.read(jq, p + "self_attn.o_proj.weight"));
                same(EngineHarness.rows(gu, 0, ff), ReferenceLlama.read(jq, p + "mlp.gate_proj.weight"));
                same(EngineHarness.rows(gu, ff, ff), ReferenceLlama.read(jq, p + "mlp.up_proj.weight"));
                same(EngineHarness.mat(lw.down()), ReferenceLlama.read(jq, p + "mlp.down_proj.weight"));
            }
        }
    }

    private static void same(ReferenceLlama.Mat engine, ReferenceLlama.Mat jlama) {
        assertThat(engine.rows()).isEqualTo(jlama.rows());
        assertThat(engine.cols()).isEqualTo(jlama.cols());
        assertThat(engine.data()).containsExactly(jlama.data());
    }

    @Test
    void engineOnJlamaQ4FolderMatchesReferenceOnTheSameFolder() {
        Model m = Model.load(JQ4, null);
        assertThat(m.weights().layers()[0].qkv().type()).isEqualTo("Q4");
        ReferenceLlama ref = ReferenceLlama.load(JQ4);
        int[][] seqs = EngineVsReferenceTest.sequences(21, EngineVsReferenceTest.MIXED_LENGTHS);
        List<EngineVsReferenceTest.Out> outs =
                EngineVsReferenceTest.run(new Kv(m, 64, 4, true, 3), seqs, EngineVsReferenceTest.mixedSteps());
        EngineVsReferenceTest.check("JQ4", ref, seqs, outs, EngineVsReferenceTest.REL);
    }
}
