package dev.fairway.engine.gguf;

import dev.fairway.engine.text.BpeMerge;
import dev.fairway.engine.text.BpeTokenizer;
import dev.fairway.engine.text.ByteLevelBpe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tokenizer stored in a GGUF file ({@code tokenizer.ggml.*}), behaving like llama.cpp's: control/user-defined
 * token texts are matched first (longest first), then each stretch of plain text is encoded by
 * <ul>
 *   <li>{@code llama} (SentencePiece BPE): spaces become "▁", a "▁" is prefixed at the start and after each special
 *       token (add_space_prefix), pieces are merged pairwise by highest vocabulary score (leftmost first on ties),
 *       and characters that are no token fall back to their UTF-8 bytes ({@code <0xXX>} tokens);</li>
 *   <li>{@code gpt2} (byte-level BPE): split by the pre-tokenizer named in {@code tokenizer.ggml.pre}, each word's
 *       UTF-8 bytes mapped to GPT-2's printable characters, then merged by merge rank (lowest first).</li>
 * </ul>
 */
public final class GgufTokenizer implements BpeTokenizer {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String model;
    private final String[] tokens;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids = new HashMap<>();
    /** The byte-level merger of gpt2 vocabularies (null for SentencePiece ones). */
    private final ByteLevelBpe bpe;

    private final boolean addSpacePrefix;
    private final int unkId;
    /** Special token ids, longest text first. */
    private final int[] specials;

    private final String chatTemplate;
    private final String eosToken;
    private final char[] byteToChar = ByteLevelBpe.byteToChar();

    GgufTokenizer(GgufFile f) {
        this.model = f.string("tokenizer.ggml.model", null);
        if (!"llama".equals(model) && !"gpt2".equals(model)) {
            throw new GgufException(f.path().getFileName() + ": tokenizer.ggml.model '" + model
                    + "' is not supported (supported: llama (SentencePiece), gpt2 (byte-level BPE))");
        }
        this.tokens = (String[]) f.get("tokenizer.ggml.tokens");
        if (tokens == null) throw new GgufException(f.path().getFileName() + ": no tokenizer.ggml.tokens");
        this.scores = f.get("tokenizer.ggml.scores") instanceof float[] s ? s : null;
        int[] t = f.get("tokenizer.ggml.token_type") instanceof int[] a ? a : null;
        if (t == null) {
            t = new int[tokens.length];
            Arrays.fill(t, NORMAL);
        }
        this.types = t;
        for (int i = tokens.length - 1; i >= 0; i--) ids.put(tokens[i], i);
        if (model.equals("gpt2")) {
            String[] merges = (String[]) f.get("tokenizer.ggml.merges");
            if (merges == null)
                throw new GgufException(f.path().getFileName() + ": gpt2 vocabulary without tokenizer.ggml.merges");
            Map<String, Integer> mergeRank = new HashMap<>();
            for (int i = 0; i < merges.length; i++) mergeRank.putIfAbsent(merges[i], i);
            bpe = new ByteLevelBpe(ids, mergeRank, preTokenizer(f.string("tokenizer.ggml.pre", "default")));
        } else {
            bpe = null;
        }
        this.addSpacePrefix = f.bool("tokenizer.ggml.add_space_prefix", model.equals("llama"));
        this.unkId = (int) f.uint("tokenizer.ggml.unknown_token_id", model.equals("llama") ? 0 : -1);
        List<Integer> sp = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if ((types[i] == CONTROL || types[i] == USER_DEFINED || types[i] == UNKNOWN) && !tokens[i].isEmpty())
                sp.add(i);
        }
        sp.sort((a, b) -> tokens[b].length() - tokens[a].length());
        this.specials = sp.stream().mapToInt(Integer::intValue).toArray();
        this.chatTemplate = f.string("tokenizer.chat_template", null);
        long eos = f.uint("tokenizer.ggml.eos_token_id", -1);
        this.eosToken = eos >= 0 && eos < tokens.length ? tokens[(int) eos] : "";
    }

    /** llama.cpp's pre-tokenizer regexes for the vocabularies we know, applied one after another. */
    private static List<String> preTokenizer(String pre) {
        String gpt2 = ByteLevelBpe.GPT2_PATTERN;
        String llama3 =
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                        + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        String qwen2 =
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                        + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        return switch (pre) {
            case "default", "gpt-2", "gpt2", "mpt", "olmo", "jais" -> List.of(gpt2);
            case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone" -> List.of("\\p{N}", gpt2);
            case "llama3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe" -> List.of(llama3);
            case "qwen2", "stablelm2", "deepseek-r1-qwen" -> List.of(qwen2);
            default ->
                throw new GgufException("tokenizer.ggml.pre '" + pre + "' is not supported (supported: default, gpt2, "
                        + "smollm, starcoder, refact, llama3/llama-bpe, qwen2, ...)");
        };
    }

    public String model() {
        return model;
    }

    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[id];
    }

    public int type(int id) {
        return types[id];
    }

    @Override
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    @Override
    public String eosToken() {
        return eosToken;
    }

    /** Token ids of a text, special-token texts included (no BOS: the codec adds it). */
    @Override
    public long[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        // split on special tokens, longest first (llama.cpp's tokenizer_st_partition)
        List<Object> frags = new ArrayList<>();
        frags.add(text);
        for (int id : specials) {
            String s = tokens[id];
            List<Object> next = new ArrayList<>();
            for (Object fr : frags) {
                if (!(fr instanceof String raw) || !raw.contains(s)) {
                    next.add(fr);
                    continue;
                }
                int at = 0, k;
                while ((k = raw.indexOf(s, at)) >= 0) {
                    if (k > at) next.add(raw.substring(at, k));
                    next.add(id);
                    at = k + s.length();
                }
                if (at < raw.length()) next.add(raw.substring(at));
            }
            frags = next;
        }
        boolean prevSpecial = true;
        for (Object fr : frags) {
            if (fr instanceof Integer id) {
                out.add(id);
                prevSpecial = true;
            } else if (model.equals("llama")) {
                String s = (addSpacePrefix && prevSpecial ? " " : "") + fr;
                spm(s.replace(' ', '\u2581'), out);
                prevSpecial = false;
            } else {
                bpe((String) fr, out);
                prevSpecial = false;
            }
        }
        long[] r = new long[out.size()];
        for (int i = 0; i < r.length; i++) r[i] = out.get(i);
        return r;
    }

    private void spm(String text, List<Integer> out) {
        if (text.isEmpty()) return;
        for (String sym : BpeMerge.merge(text, (m, l, r) -> {
            Integer id = ids.get(m);
            return id == null ? Double.NaN : (scores == null ? 0 : scores[id]);
        })) {
            Integer id = ids.get(sym);
            if (id != null) {
                out.add(id);
                continue;
            }
            for (byte b : sym.getBytes(StandardCharsets.UTF_8)) {
                Integer bt = ids.get(String.format("<0x%02X>", b & 0xFF));
                if (bt != null) out.add(bt);
                else if (unkId >= 0) out.add(unkId);
            }
        }
    }

    private void bpe(String text, List<Integer> out) {
        bpe.encode(text, out);
    }

    /** What each token decodes to, and which tokens are control tokens (decoded as nothing). */
    byte[][] tokenBytes(boolean[] special) {
        byte[][] table = new byte[tokens.length][];
        Map<Character, Integer> byteOf = new HashMap<>();
        for (int b = 0; b < 256; b++) byteOf.put(byteToChar[b], b);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            int type = types[i];
            special[i] = type == CONTROL || type == UNKNOWN;
            if (special[i]) {
                table[i] = new byte[0];
            } else if (model.equals("llama")) {
                if (type == BYTE && t.length() == 6 && t.startsWith("<0x")) {
                    table[i] = new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
                } else {
                    table[i] = t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                }
            } else if (type == USER_DEFINED) {
                table[i] = t.getBytes(StandardCharsets.UTF_8);
            } else {
                byte[] b = new byte[t.length()];
                boolean ok = true;
                for (int k = 0; k < t.length() && ok; k++) {
                    Integer v = byteOf.get(t.charAt(k));
                    if (v == null) ok = false;
                    else b[k] = (byte) (int) v;
                }
                table[i] = ok ? b : t.getBytes(StandardCharsets.UTF_8);
            }
        }
        return table;
    }
}
