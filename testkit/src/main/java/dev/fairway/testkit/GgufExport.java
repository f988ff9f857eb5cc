package dev.fairway.testkit;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Writes a Hugging Face llama/qwen2/qwen3 folder (e.g. {@link RandomWeights}) as a GGUF file the way llama.cpp's
 * converter lays it out: its tensor names, [cols, rows] shapes, q/k rows of llama permuted to the interleaved rope
 * order, the architecture's metadata keys. The tokenizer metadata ({@code tokenizer.*}) is copied from a given map
 * (read from a real GGUF file with the same vocabulary). {@code typeOf} picks each tensor's type by GGUF name.
 */
public final class GgufExport {
    private GgufExport() {}

    /** llama.cpp's Q4_K_M choice, simplified: Q6_K for output, attn_v and ffn_down, Q4_K elsewhere, F32 vectors. */
    public static GgufQuantizer.Type q4km(String name) {
        if (name.endsWith("norm.weight") || name.endsWith(".bias")) return GgufQuantizer.Type.F32;
        if (name.equals("output.weight") || name.contains("attn_v") || name.contains("ffn_down"))
            return GgufQuantizer.Type.Q6_K;
        return GgufQuantizer.Type.Q4_K;
    }

    /** Every matrix in {@code type}, vectors in F32. */
    public static Function<String, GgufQuantizer.Type> all(GgufQuantizer.Type type) {
        return name -> name.endsWith("norm.weight") || name.endsWith(".bias") ? GgufQuantizer.Type.F32 : type;
    }

    public static void export(
            Path folder, Path gguf, Function<String, GgufQuantizer.Type> typeOf, Map<String, Object> tokenizer)
            throws IOException {
        ReferenceLlama.Config c = ReferenceLlama.Config.read(folder);
        String arch = c.modelType().equals("mistral") ? "llama" : c.modelType();
        GgufWriter w = new GgufWriter()
                .put("general.architecture", arch)
                .put("general.name", folder.getFileName().toString())
                .put(arch + ".context_length", 2048)
                .put(arch + ".embedding_length", c.hidden())
                .put(arch + ".block_count", c.layers())
                .put(arch + ".feed_forward_length", c.intermediate())
                .put(arch + ".attention.head_count", c.heads())
                .put(arch + ".attention.head_count_kv", c.kvHeads())
                .put(arch + ".attention.key_length", c.headDim())
                .put(arch + ".attention.value_length", c.headDim())
                .put(arch + ".rope.dimension_count", c.headDim())
                .put(arch + ".rope.freq_base", (float) c.ropeTheta())
                .put(arch + ".attention.layer_norm_rms_epsilon", (float) c.rmsEps())
                .put(arch + ".vocab_size", c.vocab());
        tokenizer.forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) w.put(k, v);
        });
        try (WeightLoader weights = SafeTensorSupport.loadWeights(folder.toFile())) {
            Tensors t = new Tensors(w, weights, typeOf);
            int q = c.heads(), kv = c.kvHeads(), hd = c.headDim();
            boolean permute = arch.equals("llama");
            t.add("token_embd.weight", "model.embed_tokens.weight", m -> m);
            for (int l = 0; l < c.layers(); l++) {
                String p = "model.layers." + l + ".", g = "blk." + l + ".";
                t.add(g + "attn_norm.weight", p + "input_layernorm.weight", m -> m);
                t.add(g + "attn_q.weight", p + "self_attn.q_proj.weight", m -> permute ? interleave(m, q, hd) : m);
                t.add(g + "attn_k.weight", p + "self_attn.k_proj.weight", m -> permute ? interleave(m, kv, hd) : m);
                t.add(g + "attn_v.weight", p + "self_attn.v_proj.weight", m -> m);
                if (c.qkvBias()) {
                    for (String x : new String[] {"q", "k", "v"}) {
                        t.add(g + "attn_" + x + ".bias", p + "self_attn." + x + "_proj.bias", m -> m);
                    }
                }
                if (c.qkNorm()) {
                    t.add(g + "attn_q_norm.weight", p + "self_attn.q_norm.weight", m -> m);
                    t.add(g + "attn_k_norm.weight", p + "self_attn.k_norm.weight", m -> m);
                }
                t.add(g + "attn_output.weight", p + "self_attn.o_proj.weight", m -> m);
                t.add(g + "ffn_norm.weight", p + "post_attention_layernorm.weight", m -> m);
                t.add(g + "ffn_gate.weight", p + "mlp.gate_proj.weight", m -> m);
                t.add(g + "ffn_up.weight", p + "mlp.up_proj.weight", m -> m);
                t.add(g + "ffn_down.weight", p + "mlp.down_proj.weight", m -> m);
            }
            t.add("output_norm.weight", "model.norm.weight", m -> m);
            if (!c.tied()) t.add("output.weight", "lm_head.weight", m -> m);
            w.write(gguf);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot export " + folder, e);
        }
    }

    /** Registers tensors by shape now; their values are read (and transformed) only when written, one at a time. */
    private record Tensors(GgufWriter w, WeightLoader weights, Function<String, GgufQuantizer.Type> typeOf) {
        void add(String name, String hfName, UnaryOperator<ReferenceLlama.Mat> transform) {
            var shape = weights.load(hfName).shape();
            long[] ne = shape.dims() == 1 ? new long[] {shape.first()} : new long[] {shape.last(), shape.first()};
            GgufQuantizer.Type type = typeOf.apply(name);
            if (ne[0] % type.blockSize != 0) type = GgufQuantizer.Type.F32;
            w.tensor(
                    name,
                    ne,
                    type,
                    () -> transform.apply(ReferenceLlama.read(weights, hfName)).data());
        }
    }

    /** rotate_half row order to llama.cpp's interleaved one: GGUF row 2i+j of a head is HF row j*half+i. */
    static ReferenceLlama.Mat interleave(ReferenceLlama.Mat m, int heads, int headDim) {
        float[] out = new float[m.data().length];
        int half = headDim / 2, cols = m.cols();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int dst = h * headDim + 2 * i + j, src = h * headDim + j * half + i;
                    System.arraycopy(m.data(), src * cols, out, dst * cols, cols);
                }
            }
        }
        return new ReferenceLlama.Mat(m.rows(), m.cols(), out);
    }
}
