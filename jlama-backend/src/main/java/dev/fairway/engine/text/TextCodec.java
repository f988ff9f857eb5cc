package dev.fairway.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.prompt.PromptSupport;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.InvalidRequestException;
import dev.fairway.engine.model.ModelConfig;
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

/**
 * Text <-> tokens for one model. Encoding and chat templates are jlama's; decoding is ours: a per-token byte table
 * (SentencePiece "▁"/byte-fallback or GPT-2 byte-level), so streams can be cut on UTF-8 boundaries and any thread
 * may decode (jlama's decoder keeps state).
 */
public final class TextCodec {
    private final Tokenizer tokenizer;
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final boolean addBos;
    private final int bosId;
    private final Set<Integer> eosIds;

    private TextCodec(Tokenizer tokenizer, byte[][] tokenBytes, boolean[] special, boolean addBos, int bosId,
            Set<Integer> eosIds) {
        this.tokenizer = tokenizer;
        this.tokenBytes = tokenBytes;
        this.special = special;
        this.addBos = addBos;
        this.bosId = bosId;
        this.eosIds = Set.copyOf(eosIds);
    }

    public static TextCodec load(Path folder, ModelConfig config) throws IOException {
        Tokenizer tok;
        try {
            tok = SafeTensorSupport.detectModel(folder.resolve("config.json").toFile()).tokenizerClass
                    .getConstructor(Path.class).newInstance(folder);
        } catch (ReflectiveOperationException e) {
            throw new IOException("Cannot load tokenizer from " + folder, e);
        }
        ObjectMapper om = new ObjectMapper();
        JsonNode tj = om.readTree(folder.resolve("tokenizer.json").toFile());
        Path tcPath = folder.resolve("tokenizer_config.json");
        JsonNode tc = Files.exists(tcPath) ? om.readTree(tcPath.toFile()) : om.createObjectNode();

        boolean byteLevel = tj.path("decoder").path("type").asText().equals("ByteLevel");
        Map<Integer, byte[]> bytes = new HashMap<>();
        Set<Integer> specials = new HashSet<>();
        Map<Character, Integer> byteOf = byteLevel ? gpt2ByteDecoder() : Map.of();
        tj.path("model").path("vocab").fields().forEachRemaining(e ->
                bytes.put(e.getValue().asInt(), byteLevel ? byteLevelBytes(e.getKey(), byteOf) : pieceBytes(e.getKey())));
        Map<String, Integer> idOfContent = new HashMap<>();
        for (JsonNode a : tj.path("added_tokens")) {
            int id = a.path("id").asInt();
            idOfContent.put(a.path("content").asText(), id);
            if (a.path("special").asBoolean(false)) specials.add(id);
            else bytes.put(id, a.path("content").asText().getBytes(StandardCharsets.UTF_8));
        }
        int size = Math.max(config.vocab(), bytes.keySet().stream().mapToInt(i -> i + 1).max().orElse(0));
        byte[][] table = new byte[size][];
        boolean[] isSpecial = new boolean[size];
        for (int i = 0; i < size; i++) {
            table[i] = specials.contains(i) ? new byte[0] : bytes.getOrDefault(i, new byte[0]);
            isSpecial[i] = specials.contains(i);
        }

        boolean addBos;
        if (tc.has("add_bos_token")) addBos = tc.get("add_bos_token").asBoolean();
        else addBos = tj.path("post_processor").path("single").path(0).has("SpecialToken");
        Set<Integer> eos = new HashSet<>(config.eosIds());
        String eosToken = tokenText(tc.path("eos_token"));
        if (eosToken != null && idOfContent.containsKey(eosToken)) eos.add(idOfContent.get(eosToken));
        return new TextCodec(tok, table, isSpecial, addBos, config.bosId(), eos);
    }

    private static String tokenText(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.has("content")) return n.get("content").asText();
        return null;
    }

    /** Token ids of plain text (no BOS). */
    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        long[] ids;
        synchronized (tokenizer) {
            ids = tokenizer.encode(text);
        }
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
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
    public String renderChat(List<ChatMessage> messages) {
        if (messages.isEmpty()) throw new InvalidRequestException("messages must not be empty", "messages");
        var support = tokenizer.promptSupport();
        if (support.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : messages) sb.append(m.content()).append('\n');
            return sb.toString();
        }
        PromptSupport.Builder b = support.get().builder().addGenerationPrompt(true);
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case SYSTEM -> b.addSystemMessage(m.content());
                case USER -> b.addUserMessage(m.content());
                case ASSISTANT -> b.addAssistantMessage(m.content());
            }
        }
        synchronized (tokenizer) {
            return b.build().getPrompt();
        }
    }

    public byte[] tokenBytes(int id) {
        return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : new byte[0];
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    public Set<Integer> eosIds() { return eosIds; }

    public int vocabSize() { return tokenBytes.length; }

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
