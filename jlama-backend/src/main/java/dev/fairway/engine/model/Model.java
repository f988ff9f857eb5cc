package dev.fairway.engine.model;

import dev.fairway.engine.jlama.JlamaTokenizer;
import dev.fairway.engine.kernels.F32Matrix;
import dev.fairway.engine.kernels.VectorApi;
import dev.fairway.engine.kernels.WeightMatrix;
import dev.fairway.engine.text.TextCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A loaded model: architecture, weights and text codec (tokenizer + chat template). Immutable, shareable. */
public final class Model {
    private final String name;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final TextCodec codec;

    public Model(String name, ModelConfig config, ModelWeights weights, TextCodec codec) {
        this.name = name;
        this.config = config;
        this.weights = weights;
        this.codec = codec;
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public TextCodec codec() {
        return codec;
    }

    /** The weight type of the layers ("Q4", "Q8", "F32"). */
    public String weightType() {
        return weights.layers()[0].down().type();
    }

    /** Loads a local Hugging Face folder; {@code weightType} null keeps the stored type. */
    public static Model load(Path folder, String weightType) {
        VectorApi.require(); // reading weights is the first use of the Vector API
        Path configJson = folder.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            throw new IllegalArgumentException("No config.json in model folder " + folder);
        }
        try {
            ModelConfig c = ModelConfig.read(configJson);
            String type = weightType == null ? null : weightType.toUpperCase(java.util.Locale.ROOT);
            ModelWeights w;
            try (WeightReader r = new WeightReader(folder.toFile(), type)) {
                w = readWeights(r, c);
            }
            return new Model(folder.getFileName().toString(), c, w, codec(folder, c));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read model " + folder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load model " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The text codec of a model folder alone (no weights read). */
    public static TextCodec loadCodec(Path folder) throws IOException {
        return codec(folder, ModelConfig.read(folder.resolve("config.json")));
    }

    private static TextCodec codec(Path folder, ModelConfig c) throws IOException {
        return TextCodec.load(folder, JlamaTokenizer.load(folder), c.vocab(), c.bosId(), c.eosIds());
    }

    private static ModelWeights readWeights(WeightReader r, ModelConfig c) {
        int h = c.hidden(), q = c.qDim(), kv = c.kvDim(), ff = c.intermediate();
        float[] embed = r.matrixFloats("model.embed_tokens.weight", c.vocab(), h);
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            float[] bias = null;
            if (c.attentionBias() && r.has(p + "self_attn.q_proj.bias")) {
                bias = new float[q + 2 * kv];
                System.arraycopy(r.vector(p + "self_attn.q_proj.bias"), 0, bias, 0, q);
                System.arraycopy(r.vector(p + "self_attn.k_proj.bias"), 0, bias, q, kv);
                System.arraycopy(r.vector(p + "self_attn.v_proj.bias"), 0, bias, q + kv, kv);
            }
            layers[i] = new LayerWeights(
                    r.vector(p + "input_layernorm.weight"),
                    r.fused(
                            h,
                            List.of(
                                    p + "self_attn.q_proj.weight",
                                    p + "self_attn.k_proj.weight",
                                    p + "self_attn.v_proj.weight"),
                            List.of(q, kv, kv)),
                    bias,
                    c.qkNorm() ? r.vector(p + "self_attn.q_norm.weight") : null,
                    c.qkNorm() ? r.vector(p + "self_attn.k_norm.weight") : null,
                    r.single(p + "self_attn.o_proj.weight", h, q),
                    r.vector(p + "post_attention_layernorm.weight"),
                    r.fused(h, List.of(p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"), List.of(ff, ff)),
                    r.single(p + "mlp.down_proj.weight", h, ff));
        }
        WeightMatrix lmHead = !c.tiedEmbeddings() && r.has("lm_head.weight")
                ? r.single("lm_head.weight", c.vocab(), h)
                : r.single("model.embed_tokens.weight", c.vocab(), h);
        return new ModelWeights(new F32Matrix(c.vocab(), h, embed), layers, r.vector("model.norm.weight"), lmHead);
    }
}
