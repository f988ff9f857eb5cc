package dev.fairway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * An obviously-correct F32 Llama/Qwen2/Qwen3 forward pass with plain loops (double accumulators), no SIMD, no jlama
 * kernels, no KV cache: {@link #logits(int[])} recomputes the whole sequence. Used as the oracle for the engine.
 * <ul>
 *   <li>RMSNorm: x / sqrt(mean(x²) + eps) * w</li>
 *   <li>RoPE in the Hugging Face rotate_half layout (pairs i, i + headDim/2), rope_theta, llama3 / linear scaling</li>
 *   <li>causal GQA attention, scale 1/sqrt(headDim); q/k/v biases for qwen2 (or attention_bias); qwen3: RMSNorm of
 *       every query and key head (weights q_norm, k_norm) before RoPE</li>
 *   <li>SwiGLU MLP: down(silu(gate x) * up x); lm_head or tied embeddings</li>
 * </ul>
 */
public final class ReferenceLlama {

    /** The fields of config.json the forward pass needs. */
    public record Config(
            String modelType,
            int hidden,
            int intermediate,
            int heads,
            int kvHeads,
            int headDim,
            int layers,
            int vocab,
            double rmsEps,
            double ropeTheta,
            boolean tied,
            boolean qkvBias,
            boolean qkNorm,
            JsonNode ropeScaling) {

        public static Config read(Path folder) {
            try {
                JsonNode c = new ObjectMapper()
                        .readTree(folder.resolve("config.json").toFile());
                String type = c.path("model_type").asText("llama");
                int hidden = c.get("hidden_size").asInt();
                int heads = c.get("num_attention_heads").asInt();
                return new Config(
                        type,
                        hidden,
                        c.get("intermediate_size").asInt(),
                        heads,
                        c.path("num_key_value_heads").asInt(heads),
                        c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads,
                        c.get("num_hidden_layers").asInt(),
                        c.get("vocab_size").asInt(),
                        c.path("rms_norm_eps").asDouble(1e-6),
                        c.path("rope_theta").asDouble(10000.0),
                        c.path("tie_word_embeddings").asBoolean(false),
                        type.equals("qwen2") || c.path("attention_bias").asBoolean(false),
                        type.equals("qwen3"),
                        c.hasNonNull("rope_scaling") ? c.get("rope_scaling") : null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A weight matrix [rows, cols] row-major (vectors have rows = 1). */
    public record Mat(int rows, int cols, float[] data) {
        float at(int r, int c) {
            return data[r * cols + c];
        }
    }

    private final Config cfg;
    private final Mat embed, lmHead, finalNorm;
    private final Mat[] attnNorm, mlpNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, gate, up, down;
    private final double[] invFreq;

    /** Loads F32 (or jlama Q4/Q8, dequantized element by element) weights of a model folder. */
    public static ReferenceLlama load(Path folder) {
        Config cfg = Config.read(folder);
        try (WeightLoader w = SafeTensorSupport.loadWeights(folder.toFile())) {
            return new ReferenceLlama(cfg, name -> read(w, name));
        } catch (Exception e) {
            throw new RuntimeException("cannot load " + folder, e);
        }
    }

    /** Weights from any source, e.g. the engine's dequantized Q4 tensors. {@code weights} maps HF tensor names. */
    public ReferenceLlama(Config cfg, Function<String, Mat> weights) {
        this.cfg = cfg;
        int L = cfg.layers();
        embed = weights.apply("model.embed_tokens.weight");
        lmHead = cfg.tied() ? embed : weights.apply("lm_head.weight");
        finalNorm = weights.apply("model.norm.weight");
        attnNorm = new Mat[L];
        mlpNorm = new Mat[L];
        wq = new Mat[L];
        wk = new Mat[L];
        wv = new Mat[L];
        wo = new Mat[L];
        bq = new Mat[L];
        bk = new Mat[L];
        bv = new Mat[L];
        qNorm = new Mat[L];
        kNorm = new Mat[L];
        gate = new Mat[L];
        up = new Mat[L];
        down = new Mat[L];
        for (int l = 0; l < L; l++) {
            String p = "model.layers." + l + ".";
            attnNorm[l] = weights.apply(p + "input_layernorm.weight");
            mlpNorm[l] = weights.apply(p + "post_attention_layernorm.weight");
            wq[l] = weights.apply(p + "self_attn.q_proj.weight");
            wk[l] = weights.apply(p + "self_attn.k_proj.weight");
            wv[l] = weights.apply(p + "self_attn.v_proj.weight");
            wo[l] = weights.apply(p + "self_attn.o_proj.weight");
            if (cfg.qkvBias()) {
                bq[l] = weights.apply(p + "self_attn.q_proj.bias");
                bk[l] = weights.apply(p + "self_attn.k_proj.bias");
                bv[l] = weights.apply(p + "self_attn.v_proj.bias");
            }
            if (cfg.qkNorm()) {
                qNorm[l] = weights.apply(p + "self_attn.q_norm.weight");
                kNorm[l] = weights.apply(p + "self_attn.k_norm.weight");
            }
            gate[l] = weights.apply(p + "mlp.gate_proj.weight");
            up[l] = weights.apply(p + "mlp.up_proj.weight");
            down[l] = weights.apply(p + "mlp.down_proj.weight");
        }
        check(embed, cfg.vocab(), cfg.hidden(), "embed");
        check(lmHead, cfg.vocab(), cfg.hidden(), "lm_head");
        check(wq[0], cfg.heads() * cfg.headDim(), cfg.hidden(), "q_proj");
        check(wk[0], cfg.kvHeads() * cfg.headDim(), cfg.hidden(), "k_proj");
        check(gate[0], cfg.intermediate(), cfg.hidden(), "gate_proj");
        check(down[0], cfg.hidden(), cfg.intermediate(), "down_proj");
        invFreq = ropeInvFreq(cfg);
    }

    public Config config() {
        return cfg;
    }

    private static void check(Mat m, int rows, int cols, String what) {
        if (m.rows() != rows || m.cols() != cols)
            throw new IllegalStateException(
                    what + " is " + m.rows() + "x" + m.cols() + ", expected " + rows + "x" + cols);
    }

    /** Reads a tensor with jlama's loader; {@code AbstractTensor.get} dequantizes Q4/Q8. */
    public static Mat read(WeightLoader w, String name) {
        AbstractTensor t = w.load(name);
        if (t.dims() == 1) {
            int n = t.shape().first();
            float[] d = new float[n];
            for (int i = 0; i < n; i++) d[i] = t.get(i);
            return new Mat(1, n, d);
        }
        int rows = t.shape().first(), cols = t.shape().last();
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) d[r * cols + c] = t.get(r, c);
        return new Mat(rows, cols, d);
    }

    /** HF inverse frequencies, with llama3 or linear rope_scaling applied. */
    static double[] ropeInvFreq(Config cfg) {
        int d = cfg.headDim();
        double[] f = new double[d / 2];
        for (int i = 0; i < d / 2; i++) f[i] = 1.0 / Math.pow(cfg.ropeTheta(), (2.0 * i) / d);
        JsonNode rs = cfg.ropeScaling();
        if (rs != null) {
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            double factor = rs.path("factor").asDouble(1.0);
            if (type.equals("llama3")) {
                double low = rs.path("low_freq_factor").asDouble(1.0);
                double high = rs.path("high_freq_factor").asDouble(4.0);
                double old = rs.path("original_max_position_embeddings").asDouble(8192);
                double lowWavelen = old / low, highWavelen = old / high;
                for (int i = 0; i < f.length; i++) {
                    double wavelen = 2 * Math.PI / f[i];
                    if (wavelen < highWavelen) continue;
                    if (wavelen > lowWavelen) {
                        f[i] = f[i] / factor;
                    } else {
                        double smooth = (old / wavelen - low) / (high - low);
                        f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
                    }
                }
            } else if (type.equals("linear")) {
                for (int i = 0; i < f.length; i++) f[i] /= factor;
            } else if (!type.isEmpty() && !type.equals("default")) {
                throw new UnsupportedOperationException("rope_scaling type " + type);
            }
        }
        return f;
    }

    /** Logits at every position of {@code tokens} (position i = tokens[0..i] seen), [tokens.length][vocab]. */
    public float[][] logits(int[] tokens) {
        float[][] states = hiddenStates(tokens);
        float[][] out = new float[states.length][];
        for (int t = 0; t < states.length; t++) out[t] = matVec(lmHead, states[t], null);
        return out;
    }

    /** The final hidden state at every position, after the final norm (what the LM head reads), [tokens.length][hidden]. */
    public float[][] hiddenStates(int[] tokens) {
        int n = tokens.length, H = cfg.hidden(), hd = cfg.headDim();
        int nq = cfg.heads() * hd, nkv = cfg.kvHeads() * hd, group = cfg.heads() / cfg.kvHeads();
        float[][] x = new float[n][];
        for (int t = 0; t < n; t++) {
            x[t] = new float[H];
            System.arraycopy(embed.data(), tokens[t] * H, x[t], 0, H);
        }
        for (int l = 0; l < cfg.layers(); l++) {
            float[][] q = new float[n][], k = new float[n][], v = new float[n][];
            for (int t = 0; t < n; t++) {
                float[] h = rmsNorm(x[t], attnNorm[l]);
                q[t] = matVec(wq[l], h, bq[l]);
                k[t] = matVec(wk[l], h, bk[l]);
                v[t] = matVec(wv[l], h, bv[l]);
                if (cfg.qkNorm()) {
                    for (int head = 0; head < cfg.heads(); head++) headNorm(q[t], head * hd, qNorm[l]);
                    for (int head = 0; head < cfg.kvHeads(); head++) headNorm(k[t], head * hd, kNorm[l]);
                }
                for (int head = 0; head < cfg.heads(); head++) rope(q[t], head * hd, t);
                for (int head = 0; head < cfg.kvHeads(); head++) rope(k[t], head * hd, t);
            }
            for (int t = 0; t < n; t++) {
                float[] att = new float[nq];
                for (int head = 0; head < cfg.heads(); head++) {
                    int kvh = head / group;
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += (double) q[t][head * hd + i] * k[j][kvh * hd + i];
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int i = 0; i < hd; i++) {
                        double acc = 0;
                        for (int j = 0; j <= t; j++) acc += s[j] / sum * v[j][kvh * hd + i];
                        att[head * hd + i] = (float) acc;
                    }
                }
                float[] o = matVec(wo[l], att, null);
                for (int i = 0; i < H; i++) x[t][i] += o[i];
            }
            for (int t = 0; t < n; t++) {
                float[] h = rmsNorm(x[t], mlpNorm[l]);
                float[] g = matVec(gate[l], h, null), u = matVec(up[l], h, null);
                float[] a = new float[g.length];
                for (int i = 0; i < g.length; i++) a[i] = (float) (g[i] / (1.0 + Math.exp(-g[i])) * u[i]);
                float[] dn = matVec(down[l], a, null);
                for (int i = 0; i < H; i++) x[t][i] += dn[i];
            }
        }
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) out[t] = rmsNorm(x[t], finalNorm);
        assert nkv == cfg.kvHeads() * hd;
        return out;
    }

    /** Greedy continuation of {@code prompt} by {@code count} tokens (recomputes everything each step). */
    public int[] greedy(int[] prompt, int count) {
        int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + count);
        for (int i = 0; i < count; i++) {
            float[][] lg = logits(java.util.Arrays.copyOf(seq, prompt.length + i));
            seq[prompt.length + i] = argmax(lg[lg.length - 1]);
        }
        return java.util.Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private float[] rmsNorm(float[] x, Mat w) {
        double ss = 0;
        for (float f : x) ss += (double) f * f;
        double scale = 1.0 / Math.sqrt(ss / x.length + cfg.rmsEps());
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) (x[i] * scale * w.data()[i]);
        return y;
    }

    /** qwen3: v[off, off + headDim) replaced by its RMSNorm with weight w. */
    private void headNorm(float[] v, int off, Mat w) {
        float[] head = rmsNorm(java.util.Arrays.copyOfRange(v, off, off + cfg.headDim()), w);
        System.arraycopy(head, 0, v, off, head.length);
    }

    private static float[] matVec(Mat w, float[] x, Mat bias) {
        if (w.cols() != x.length) throw new IllegalArgumentException(w.cols() + " != " + x.length);
        float[] y = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double acc = bias == null ? 0 : bias.data()[r];
            int base = r * w.cols();
            for (int c = 0; c < w.cols(); c++) acc += (double) w.data()[base + c] * x[c];
            y[r] = (float) acc;
        }
        return y;
    }

    /** rotate_half: (x[i], x[i + d/2]) rotated by pos * invFreq[i]. */
    private void rope(float[] v, int off, int pos) {
        int half = cfg.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double a = pos * invFreq[i], c = Math.cos(a), s = Math.sin(a);
            double x0 = v[off + i], x1 = v[off + i + half];
            v[off + i] = (float) (x0 * c - x1 * s);
            v[off + i + half] = (float) (x1 * c + x0 * s);
        }
    }
}
