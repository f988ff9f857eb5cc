package dev.fairway.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2-style byte-level BPE (SmolLM2, Qwen, Llama 3 vocabularies): the text is cut by the pre-tokenizer's patterns,
 * applied one after another (each match and each gap between matches becomes a word), each word's UTF-8 bytes are
 * mapped to GPT-2's printable characters and merged by merge rank (lowest first). Every byte has a token, so any text
 * round-trips, non-ASCII included.
 */
public final class ByteLevelBpe {
    /** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each with an optional leading space. */
    public static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final Map<String, Integer> ids;
    private final Map<String, Integer> mergeRank;
    private final List<Pattern> preTokenizer;

    /** {@code mergeRank} maps "left right" (GPT-2 characters) to its rank; patterns are Java regexes. */
    public ByteLevelBpe(Map<String, Integer> ids, Map<String, Integer> mergeRank, List<String> preTokenizer) {
        this.ids = Map.copyOf(ids);
        this.mergeRank = Map.copyOf(mergeRank);
        this.preTokenizer = preTokenizer.stream()
                .map(s -> Pattern.compile(s, Pattern.UNICODE_CHARACTER_CLASS))
                .toList();
    }

    /** GPT-2's byte -> printable character table: printable Latin-1 bytes stand for themselves, others from U+0100. */
    public static char[] byteToChar() {
        char[] table = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char) b : (char) (256 + extra++);
        }
        return table;
    }

    private static final char[] BYTE_TO_CHAR = byteToChar();

    /**
     * The BPE model and pre-tokenizer of a Hugging Face tokenizer.json ({@code model.type} BPE): vocab, merges (as
     * "a b" strings or [a, b] pairs), and the pre-tokenizer's Split regexes, Digits and ByteLevel steps in order.
     */
    public static ByteLevelBpe fromTokenizerJson(JsonNode tj) {
        JsonNode model = tj.path("model");
        if (!model.path("type").asText("BPE").equals("BPE")) {
            throw new IllegalArgumentException("byte-level tokenizer of type " + model.path("type") + " (only BPE)");
        }
        Map<String, Integer> ids = new HashMap<>();
        model.path("vocab")
                .fields()
                .forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        int rank = 0;
        for (JsonNode m : model.path("merges")) {
            String pair = m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText();
            ranks.putIfAbsent(pair, rank++);
        }
        List<String> patterns = new ArrayList<>();
        preTokenizer(tj.path("pre_tokenizer"), patterns);
        return new ByteLevelBpe(ids, ranks, patterns);
    }

    private static void preTokenizer(JsonNode p, List<String> out) {
        switch (p.path("type").asText("")) {
            case "Sequence" -> p.path("pretokenizers").forEach(q -> preTokenizer(q, out));
            case "ByteLevel" -> {
                if (p.path("use_regex").asBoolean(true)) out.add(GPT2_PATTERN);
            }
            case "Digits" -> out.add(p.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
            case "Split" -> {
                JsonNode pat = p.path("pattern");
                out.add(
                        pat.has("Regex")
                                ? pat.get("Regex").asText()
                                : Pattern.quote(pat.path("String").asText()));
            }
            case "" -> {}
            default ->
                throw new IllegalArgumentException(
                        "pre-tokenizer " + p.path("type").asText() + " is not supported");
        }
    }

    /** Appends the ids of a plain text (no special tokens in it). */
    public void encode(String text, List<Integer> out) {
        for (String w : words(text)) {
            StringBuilder sb = new StringBuilder();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) sb.append(BYTE_TO_CHAR[b & 0xFF]);
            for (String sym : BpeMerge.merge(sb.toString(), (m, l, r) -> {
                Integer rank = mergeRank.get(l + " " + r);
                return rank == null ? Double.NaN : -rank;
            })) {
                Integer id = ids.get(sym);
                if (id != null) {
                    out.add(id);
                    continue;
                }
                for (int i = 0; i < sym.length(); i++) {
                    Integer c = ids.get(String.valueOf(sym.charAt(i)));
                    if (c != null) out.add(c);
                }
            }
        }
    }

    private List<String> words(String text) {
        List<String> words = new ArrayList<>();
        words.add(text);
        for (Pattern p : preTokenizer) {
            List<String> next = new ArrayList<>();
            for (String w : words) {
                Matcher m = p.matcher(w);
                int at = 0;
                while (m.find()) {
                    if (m.start() > at) next.add(w.substring(at, m.start()));
                    if (m.end() > m.start()) next.add(m.group());
                    at = m.end();
                }
                if (at < w.length()) next.add(w.substring(at));
            }
            words = next;
        }
        return words;
    }
}
