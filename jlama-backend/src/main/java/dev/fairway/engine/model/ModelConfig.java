package dev.fairway.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The architecture numbers of a llama-family decoder (llama, mistral, qwen2, qwen3), read from config.json. qwen3
 * normalizes each query and key head (RMSNorm over the head, before rope): {@code qkNorm}.
 */
public record ModelConfig(
        String architecture,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediate,
        int vocab,
        float rmsEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tiedEmbeddings,
        boolean attentionBias,
        boolean qkNorm,
        int bosId,
        Set<Integer> eosIds) {

    /** Llama 3.1-style frequency scaling; null when the model has none. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    private static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2", "qwen3");

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int qDim() {
        return heads * headDim;
    }

    public static ModelConfig read(Path configJson) throws IOException {
        JsonNode c = new ObjectMapper().readTree(configJson.toFile());
        String arch = c.path("model_type").asText("llama");
        if (!SUPPORTED.contains(arch)) {
            throw new UnsupportedModelException(
                    "Unsupported model architecture '" + arch + "' (supported: " + SUPPORTED + ")");
        }
        int hidden = c.path("hidden_size").asInt();
        int heads = c.path("num_attention_heads").asInt();
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        RopeScaling scaling = null;
        JsonNode rs = c.path("rope_scaling");
        if (rs.isObject()
                && "llama3".equals(rs.path("rope_type").asText(rs.path("type").asText()))) {
            scaling = new RopeScaling(
                    rs.path("factor").asDouble(8),
                    rs.path("low_freq_factor").asDouble(1),
                    rs.path("high_freq_factor").asDouble(4),
                    rs.path("original_max_position_embeddings").asInt(8192));
        }
        Set<Integer> eos = new LinkedHashSet<>();
        JsonNode e = c.path("eos_token_id");
        if (e.isArray()) e.forEach(n -> eos.add(n.asInt()));
        else if (e.isNumber()) eos.add(e.asInt());
        return new ModelConfig(
                arch,
                hidden,
                c.path("num_hidden_layers").asInt(),
                heads,
                c.path("num_key_value_heads").asInt(heads),
                headDim,
                c.path("intermediate_size").asInt(),
                c.path("vocab_size").asInt(),
                (float) c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000),
                scaling,
                c.path("max_position_embeddings").asInt(2048),
                c.path("tie_word_embeddings").asBoolean(false),
                arch.equals("qwen2") || c.path("attention_bias").asBoolean(false),
                arch.equals("qwen3"),
                c.path("bos_token_id").asInt(1),
                Set.copyOf(eos));
    }
}
