package dev.fairway.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.grammar.TokenVocabulary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text <-> tokens for one model. BPE encoding is the tokenizer library's ({@link BpeTokenizer}: jlama's, or our
 * {@link ByteLevelBpe} for byte-level vocabularies), chat templates
 * are the model's own (rendered by {@link ChatTemplate}); decoding is ours: a per-token byte table
 * (SentencePiece "▁"/byte-fallback or GPT-2 byte-level), so streams can be cut on UTF-8 boundaries and any thread
 * may decode (jlama's decoder keeps state).
 */
public final class TextCodec {
    private final BpeTokenizer tokenizer;
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final boolean addBos;
    private final int bosId;
    private final Set<Integer> eosIds;
    private final Pattern addedTokens;
    private final boolean byteLevel;
    /** The tokenizer splits words and special tokens itself (GGUF vocabularies): it gets the whole text. */
    private final boolean wholeText;
    /** The model's chat template, or null: then messages are joined line by line. */
    private final ChatTemplate chatTemplate;

    private TextCodec(
            BpeTokenizer tokenizer,
            byte[][] tokenBytes,
            boolean[] special,
            boolean addBos,
            int bosId,
            Set<Integer> eosIds,
            Pattern addedTokens,
            boolean byteLevel,
            boolean wholeText) {
        this.tokenizer = tokenizer;
        this.wholeText = wholeText;
        this.addedTokens = addedTokens;
        this.byteLevel = byteLevel;
        this.tokenBytes = tokenBytes;
        this.special = special;
        this.addBos = addBos;
        this.bosId = bosId;
        this.eosIds = Set.copyOf(eosIds);
        this.chatTemplate = tokenizer
                .chatTemplate()
                .map(t -> new ChatTemplate(t, tokenizer.eosToken()))
                .orElse(null);
    }

    /**
     * The codec of a model folder (tokenizer.json, tokenizer_config.json) over its tokenizer; {@code vocab},
     * {@code bosId} and {@code eosIds} come from the model's config.json.
     */
    public static TextCodec load(Path folder, BpeTokenizer tok, int vocab, int bosId, Set<Integer> eosIds)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode tj = om.readTree(folder.resolve("tokenizer.json").toFile());
        Path tcPath = folder.resolve("tokenizer_config.json");
        JsonNode tc = Files.exists(tcPath) ? om.readTree(tcPath.toFile()) : om.createObjectNode();

        boolean byteLevel = tj.path("decoder").path("type").asText().equals("ByteLevel");
        Map<Integer, byte[]> bytes = new HashMap<>();
        Set<Integer> specials = new HashSet<>();
        Map<Character, Integer> byteOf = byteLevel ? gpt2ByteDecoder() : Map.of();
        tj.path("model")
                .path("vocab")
                .fields()
                .forEachRemaining(e -> bytes.put(
                        e.getValue().asInt(), byteLevel ? byteLevelBytes(e.getKey(), byteOf) : pieceBytes(e.getKey())));
        Map<String, Integer> idOfContent = new HashMap<>();
        for (JsonNode a : tj.path("added_tokens")) {
            int id = a.path("id").asInt();
            idOfContent.put(a.path("content").asText(), id);
            if (a.path("special").asBoolean(false)) specials.add(id);
            else bytes.put(id, a.path("content").asText().getBytes(StandardCharsets.UTF_8));
        }
        int size = Math.max(
                vocab, bytes.keySet().stream().mapToInt(i -> i + 1).max().orElse(0));
        byte[][] table = new byte[size][];
        boolean[] isSpecial = new boolean[size];
        for (int i = 0; i < size; i++) {
            table[i] = specials.contains(i) ? new byte[0] : bytes.getOrDefault(i, new byte[0]);
            isSpecial[i] = specials.contains(i);
        }

        boolean addBos;
        if (tc.has("add_bos_token")) addBos = tc.get("add_bos_token").asBoolean();
        else addBos = tj.path("post_processor").path("single").path(0).has("SpecialToken");
        Set<Integer> eos = new HashSet<>(eosIds);
        String eosToken = tokenText(tc.path("eos_token"));
        if (eosToken != null && idOfContent.containsKey(eosToken)) eos.add(idOfContent.get(eosToken));
        Pattern added = idOfContent.isEmpty()
                ? null
                : Pattern.compile(idOfContent.keySet().stream()
                        .sorted(java.util.Comparator.comparingInt(String::length)
                                .reversed())
                        .map(Pattern::quote)
                        .collect(java.util.stream.Collectors.joining("|")));
        BpeTokenizer words = byteLevel ? new ByteLevelTokenizer(ByteLevelBpe.fromTokenizerJson(tj), tok) : tok;
        return new TextCodec(words, table, isSpecial, addBos, bosId, eos, added, byteLevel, false);
    }

    /**
     * A codec over a tokenizer that encodes whole texts itself, special tokens included (a GGUF file's vocabulary);
     * {@code tokenBytes[id]} is what token id decodes to, {@code special[id]} marks control tokens (decoded as nothing).
     */
    public static TextCodec of(
            BpeTokenizer tok, byte[][] tokenBytes, boolean[] special, boolean addBos, int bosId, Set<Integer> eosIds) {
        return new TextCodec(tok, tokenBytes, special, addBos, bosId, eosIds, null, false, true);
    }

    private static String tokenText(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.has("content")) return n.get("content").asText();
        return null;
    }

    /**
     * Token ids of plain text (no BOS). Added tokens are matched whole; byte-level vocabularies encode the rest with
     * {@link ByteLevelBpe} (its own pre-tokenizer, a queue-based merge). jlama's SentencePiece merge loop is quadratic
     * in the length of what it is given (a 6 KB prompt took seconds), so it is given one word at a time, cut at single
     * spaces, whose "▁" prefix jlama re-adds to each word. Tests check the result equals jlama's own.
     */
    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        IntList out = new IntList();
        if (wholeText) {
            encodePiece(text, out);
            return out.toArray();
        }
        int at = 0;
        if (addedTokens != null) {
            Matcher m = addedTokens.matcher(text);
            while (m.find()) {
                encodeWords(text.substring(at, m.start()), out);
                encodePiece(m.group(), out);
                at = m.end();
            }
        }
        encodeWords(text.substring(at), out);
        return out.toArray();
    }

    private void encodeWords(String text, IntList out) {
        if (text.isEmpty()) return;
        if (byteLevel) {
            encodePiece(text, out); // ByteLevelTokenizer cuts words with the vocabulary's own pre-tokenizer
            return;
        }
        // SentencePiece: jlama prefixes every piece with "▁", which stands for the lone space cut before each word.
        int from = 0;
        for (int p = 1; p + 1 < text.length(); p++) {
            if (text.charAt(p) == ' ' && text.charAt(p - 1) != ' ' && text.charAt(p + 1) != ' ') {
                encodePiece(text.substring(from, p), out);
                from = p + 1;
            }
        }
        encodePiece(text.substring(from), out);
    }

    private void encodePiece(String piece, IntList out) {
        if (piece.isEmpty()) return;
        long[] ids;
        synchronized (tokenizer) {
            ids = tokenizer.encode(piece);
        }
        for (long id : ids) out.add((int) id);
    }

    /**
     * Byte-level vocabularies are encoded by our {@link ByteLevelBpe}: jlama 0.8.4 drops non-ASCII characters of
     * them. jlama still gives the chat template and EOS text.
     */
    private record ByteLevelTokenizer(ByteLevelBpe bpe, BpeTokenizer templates) implements BpeTokenizer {
        @Override
        public long[] encode(String text) {
            List<Integer> ids = new java.util.ArrayList<>();
            bpe.encode(text, ids);
            return ids.stream().mapToLong(Integer::longValue).toArray();
        }

        @Override
        public java.util.Optional<String> chatTemplate() {
            return templates.chatTemplate();
        }

        @Override
        public String eosToken() {
            return templates.eosToken();
        }
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    /** Token ids the model is fed for this prompt text: BOS (if the tokenizer adds one) + encode(text). */
    public int[] promptTokens(String text) {
        int[] body = encode(text);
        if (!addBos || (body.length > 0 && body[0] == bosId)) return body;
        int[] out = new int[body.length + 1];
        out[0] = bosId;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** The model's chat template applied to these messages, with the assistant generation prompt appended. */
    public String renderChat(List<ChatTurn> messages) {
        return renderChat(messages, List.of());
    }

    /**
     * As {@link #renderChat(List)}, with tools ([{type: function, function: {name, description, parameters}}]) for a
     * template that {@link #templateRendersTools() renders them}.
     */
    public String renderChat(List<ChatTurn> messages, List<Map<String, Object>> tools) {
        if (messages.isEmpty()) throw new IllegalArgumentException("no messages to render");
        if (chatTemplate == null) {
            StringBuilder sb = new StringBuilder();
            for (ChatTurn m : messages) sb.append(m.content()).append('\n');
            return sb.toString();
        }
        return chatTemplate.render(messages, tools);
    }

    private volatile Boolean rendersSystem;

    /** Whether the chat template shows system messages (some render only user and assistant turns). */
    public boolean templateRendersSystem() {
        Boolean r = rendersSystem;
        if (r == null) {
            String probe = "fairway-system-probe";
            String out = renderChat(List.of(new ChatTurn("system", probe), new ChatTurn("user", "hi")));
            rendersSystem = r = out.contains(probe);
        }
        return r;
    }

    /** Whether the model's chat template renders tools and tool calls itself. */
    public boolean templateRendersTools() {
        return chatTemplate != null && chatTemplate.supportsTools();
    }

    /** The chat template's source, or null when the model has none. */
    public String chatTemplateSource() {
        return chatTemplate == null ? null : chatTemplate.source();
    }

    private volatile TokenVocabulary tokenVocabulary;

    /** The vocabulary as constrained decoding reads it, built on first use (a trie of every token's bytes). */
    public TokenVocabulary tokenVocabulary() {
        TokenVocabulary v = tokenVocabulary;
        if (v == null) {
            synchronized (this) {
                v = tokenVocabulary;
                if (v == null) tokenVocabulary = v = TokenVocabulary.of(tokenBytes, special);
            }
        }
        return v;
    }

    public byte[] tokenBytes(int id) {
        return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : new byte[0];
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    public Set<Integer> eosIds() {
        return eosIds;
    }

    public int vocabSize() {
        return tokenBytes.length;
    }

    /** Decodes ids to text; special tokens are skipped; invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(tokenBytes(id));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Display form of one token (for logprobs). */
    public String tokenText(int id) {
        return new String(tokenBytes(id), StandardCharsets.UTF_8);
    }

    private static byte[] pieceBytes(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
            } catch (NumberFormatException ignored) {
                // an ordinary token that looks like a byte token
            }
        }
        return piece.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] byteLevelBytes(String token, Map<Character, Integer> byteOf) {
        byte[] out = new byte[token.length()];
        int n = 0;
        for (int i = 0; i < token.length(); i++) {
            Integer b = byteOf.get(token.charAt(i));
            if (b == null) return token.getBytes(StandardCharsets.UTF_8);
            out[n++] = (byte) (int) b;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** GPT-2's reversible byte <-> printable-char map, inverted. */
    private static Map<Character, Integer> gpt2ByteDecoder() {
        Map<Character, Integer> m = new HashMap<>();
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            m.put(printable ? (char) b : (char) (256 + extra++), b);
        }
        return m;
    }
}
