package dev.fairway.engine.gguf;

import dev.fairway.engine.kernels.F32Matrix;
import dev.fairway.engine.kernels.VectorApi;
import dev.fairway.engine.kernels.WeightMatrix;
import dev.fairway.engine.model.LayerWeights;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.model.ModelConfig;
import dev.fairway.engine.model.ModelWeights;
import dev.fairway.engine.model.Quantizer;
import dev.fairway.engine.model.UnsupportedModelException;
import dev.fairway.engine.text.TextCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Loads a llama-family GGUF file (llama.cpp, LM Studio, Ollama blobs) into the engine's {@link Model}: metadata to
 * {@link ModelConfig}, tensors dequantized and converted to the engine's weight types at load, the tokenizer and chat
 * template from the file itself.
 *
 * <p>Weights: every tensor is dequantized to float32 and then converted to the target type: F32 when asked (or when
 * the file has only float tensors), otherwise the engine's Q8 panels by default, or Q4 when asked. So a K-quant file
 * runs with the engine's existing batched kernels; it is not (yet) executed in its own block format.
 *
 * <p>q/k rows: llama.cpp's converter stores them in the interleaved-RoPE order (pairs (2i, 2i+1) rotate together);
 * the engine's {@code Rope} uses Hugging Face's rotate_half (pairs (i, i + headDim/2)), so rows are permuted back per
 * head at load. qwen2 and qwen3 GGUF files keep the rotate_half order (llama.cpp runs them with NEOX rope): not
 * permuted.
 */
public final class GgufModel {
    private GgufModel() {}

    /** A .gguf name, or a regular file starting with the GGUF magic (Ollama's blobs have no extension). */
    public static boolean isGguf(Path p) {
        if (p.getFileName() != null
                && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) return true;
        if (!Files.isRegularFile(p)) return false;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /** Loads a GGUF file; {@code weightType} F32, Q8 or Q4, or null for the default (see the class comment). */
    public static Model load(Path file, String weightType) {
        return load(file, weightType, null);
    }

    /** As {@link #load(Path, String)}, under the given model name (null: the file name without .gguf). */
    public static Model load(Path file, String weightType, String name) {
        VectorApi.require();
        try (GgufFile f = GgufFile.open(file)) {
            ModelConfig c = config(f);
            String type = weightType == null ? defaultType(f) : weightType.toUpperCase(Locale.ROOT);
            ModelWeights w = weights(f, c, type);
            return new Model(name != null ? name : modelName(file), c, w, codec(f, c));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read GGUF file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer and chat template of a GGUF file (no weights read). */
    public static TextCodec loadCodec(Path file) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            return codec(f, config(f));
        }
    }

    private static String modelName(Path file) {
        String n = file.getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - ".gguf".length()) : n;
    }

    private static String defaultType(GgufFile f) {
        for (GgufTensor t : f.tensors().values()) {
            if (t.ne().length >= 2
                    && t.type() != GgmlType.F32
                    && t.type() != GgmlType.F16
                    && t.type() != GgmlType.BF16) {
                return "Q8";
            }
        }
        return "F32";
    }

    static final Set<String> ARCHITECTURES = Set.of("llama", "qwen2", "qwen3");

    /** GGUF metadata to the engine's config. */
    public static ModelConfig config(GgufFile f) {
        String arch = f.string("general.architecture", null);
        if (arch == null) throw new GgufException(f.path() + ": no general.architecture");
        if (!ARCHITECTURES.contains(arch)) {
            throw new UnsupportedModelException(
                    "GGUF architecture '" + arch + "' of " + f.path().getFileName() + " is not supported (supported: "
                            + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        int hidden = (int) req(f, arch + ".embedding_length");
        int heads = (int) req(f, arch + ".attention.head_count");
        int kvHeads = (int) f.uint(arch + ".attention.head_count_kv", heads);
        int headDim = (int) f.uint(arch + ".attention.key_length", hidden / heads);
        long ropeDim = f.uint(arch + ".rope.dimension_count", headDim);
        if (ropeDim != headDim) {
            throw new UnsupportedModelException(f.path().getFileName() + ": partial rotary embeddings (rope dimension "
                    + ropeDim + " of head size " + headDim + ") are not supported");
        }
        String scalingType = f.string(arch + ".rope.scaling.type", "none");
        double scalingFactor = f.number(arch + ".rope.scaling.factor", 1);
        if (!scalingType.equals("none") && scalingFactor != 1) {
            throw new UnsupportedModelException(
                    f.path().getFileName() + ": rope scaling '" + scalingType + "' is not supported");
        }
        ModelConfig.RopeScaling scaling = null;
        double theta = f.number(arch + ".rope.freq_base", 10000);
        if (f.tensors().containsKey("rope_freqs.weight")) scaling = llama3Scaling(f, theta, headDim);
        String[] tokens = (String[]) f.get("tokenizer.ggml.tokens");
        int vocab = (int) f.uint(arch + ".vocab_size", tokens == null ? 0 : tokens.length);
        Set<Integer> eos = new LinkedHashSet<>();
        for (String k : new String[] {"eos", "eot", "eom"}) {
            long id = f.uint("tokenizer.ggml." + k + "_token_id", -1);
            if (id >= 0) eos.add((int) id);
        }
        return new ModelConfig(
                arch,
                hidden,
                (int) req(f, arch + ".block_count"),
                heads,
                kvHeads,
                headDim,
                (int) req(f, arch + ".feed_forward_length"),
                vocab,
                (float) f.number(arch + ".attention.layer_norm_rms_epsilon", 1e-5),
                theta,
                scaling,
                (int) f.uint(arch + ".context_length", 2048),
                !f.tensors().containsKey("output.weight"),
                f.tensors().containsKey("blk.0.attn_q.bias"),
                f.tensors().containsKey("blk.0.attn_q_norm.weight"),
                (int) f.uint("tokenizer.ggml.bos_token_id", 1),
                Set.copyOf(eos));
    }

    /**
     * Llama 3.1-style scaling is stored as per-frequency divisors ({@code rope_freqs.weight}); the engine takes the
     * parameters: accept the file when Llama 3's (factor = largest divisor, low 1, high 4, 8192 original positions)
     * reproduce its divisors, else fail clearly.
     */
    private static ModelConfig.RopeScaling llama3Scaling(GgufFile f, double theta, int headDim) {
        float[] div = f.floats(f.tensor("rope_freqs.weight"));
        float max = 0;
        for (float d : div) max = Math.max(max, d);
        ModelConfig.RopeScaling s = new ModelConfig.RopeScaling(max, 1, 4, (int)
                f.uint(f.string("general.architecture", "") + ".rope.scaling.original_context_length", 8192));
        for (int i = 0; i < div.length && i < headDim / 2; i++) {
            double inv = 1.0 / Math.pow(theta, 2.0 * i / headDim), scaled = inv;
            double wavelen = 2 * Math.PI / inv;
            double low = s.originalMaxPositions() / s.lowFreqFactor(),
                    high = s.originalMaxPositions() / s.highFreqFactor();
            if (wavelen > low) scaled = inv / s.factor();
            else if (wavelen >= high) {
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                scaled = (1 - smooth) * inv / s.factor() + smooth * inv;
            }
            if (Math.abs(inv / scaled - div[i]) > 1e-3 * div[i]) {
                throw new UnsupportedModelException(
                        f.path().getFileName() + ": rope_freqs.weight is not Llama 3 rope scaling " + "(divisor " + i
                                + " is " + div[i] + ", expected " + inv / scaled + ")");
            }
        }
        return s;
    }

    private static long req(GgufFile f, String key) {
        long v = f.uint(key, -1);
        if (v <= 0) throw new GgufException(f.path().getFileName() + ": missing metadata " + key);
        return v;
    }

    private static ModelWeights weights(GgufFile f, ModelConfig c, String type) {
        if (!Set.of("F32", "Q8", "Q4").contains(type)) {
            throw new IllegalArgumentException("Unknown weight type " + type + " (use Q4, Q8 or F32)");
        }
        for (GgufTensor t : f.tensors().values()) Dequant.requireSupported(t);
        int h = c.hidden(), q = c.qDim(), kv = c.kvDim(), ff = c.intermediate();
        boolean permute = c.architecture().equals("llama");
        float[] embed = matrix(f, "token_embd.weight", c.vocab(), h);
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "blk." + i + ".";
            float[] wq = matrix(f, p + "attn_q.weight", q, h), wk = matrix(f, p + "attn_k.weight", kv, h);
            if (permute) {
                wq = unpermute(wq, c.heads(), c.headDim(), h);
                wk = unpermute(wk, c.kvHeads(), c.headDim(), h);
            }
            float[] bias = null;
            if (c.attentionBias()) {
                bias = concat(
                        vector(f, p + "attn_q.bias", q),
                        vector(f, p + "attn_k.bias", kv),
                        vector(f, p + "attn_v.bias", kv));
            }
            layers[i] = new LayerWeights(
                    vector(f, p + "attn_norm.weight", h),
                    Quantizer.convert(type, q + 2 * kv, h, concat(wq, wk, matrix(f, p + "attn_v.weight", kv, h))),
                    bias,
                    c.qkNorm() ? vector(f, p + "attn_q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? vector(f, p + "attn_k_norm.weight", c.headDim()) : null,
                    Quantizer.convert(type, h, q, matrix(f, p + "attn_output.weight", h, q)),
                    vector(f, p + "ffn_norm.weight", h),
                    Quantizer.convert(
                            type,
                            2 * ff,
                            h,
                            concat(matrix(f, p + "ffn_gate.weight", ff, h), matrix(f, p + "ffn_up.weight", ff, h))),
                    Quantizer.convert(type, h, ff, matrix(f, p + "ffn_down.weight", h, ff)));
        }
        WeightMatrix lmHead = c.tiedEmbeddings()
                ? Quantizer.convert(type, c.vocab(), h, embed)
                : Quantizer.convert(type, c.vocab(), h, matrix(f, "output.weight", c.vocab(), h));
        return new ModelWeights(new F32Matrix(c.vocab(), h, embed), layers, vector(f, "output_norm.weight", h), lmHead);
    }

    private static float[] matrix(GgufFile f, String name, int rows, int cols) {
        GgufTensor t = f.tensor(name);
        if (t.ne().length != 2 || t.cols() != cols || t.rows() != rows) {
            throw new GgufException(
                    f.path().getFileName() + ": tensor " + t + " should be [" + cols + ", " + rows + "]");
        }
        return f.floats(t);
    }

    private static float[] vector(GgufFile f, String name, int n) {
        GgufTensor t = f.tensor(name);
        if (t.elements() != n)
            throw new GgufException(f.path().getFileName() + ": tensor " + t + " should have " + n + " values");
        return f.floats(t);
    }

    /** Interleaved-RoPE row order (llama.cpp) back to rotate_half: HF row j*half+i of a head is GGUF row 2i+j. */
    static float[] unpermute(float[] w, int heads, int headDim, int cols) {
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int hd = 0; hd < heads; hd++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int src = hd * headDim + 2 * i + j, dst = hd * headDim + j * half + i;
                    System.arraycopy(w, src * cols, out, dst * cols, cols);
                }
            }
        }
        return out;
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private static TextCodec codec(GgufFile f, ModelConfig c) {
        GgufTokenizer tok = new GgufTokenizer(f);
        boolean[] special = new boolean[tok.size()];
        byte[][] bytes = tok.tokenBytes(special);
        boolean addBos = f.bool("tokenizer.ggml.add_bos_token", true);
        return TextCodec.of(tok, bytes, special, addBos, c.bosId(), c.eosIds());
    }
}
