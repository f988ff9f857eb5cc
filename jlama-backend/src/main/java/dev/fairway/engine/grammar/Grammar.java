package dev.fairway.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled output grammar, independent of any tokenizer: any JSON value, a JSON schema, literals, or sequences and
 * choices of those (tool calls are built from them). Immutable and shareable; each sequence reads it with its own
 * {@link GrammarMatcher}.
 */
public final class Grammar {
    final Node root;
    private final String description;
    /** Masks computed for this grammar's states, per vocabulary: sequences with the same grammar share them. */
    private final java.util.Map<TokenVocabulary, MaskCache> masks = new java.util.concurrent.ConcurrentHashMap<>();

    MaskCache masks(TokenVocabulary vocabulary) {
        return masks.computeIfAbsent(vocabulary, v -> new MaskCache());
    }

    private Grammar(Node root, String description) {
        this.root = root;
        this.description = description;
    }

    /** Any JSON object (OpenAI's json_object). */
    public static Grammar jsonObject() {
        Node ws = Json.whitespace();
        return new Grammar(new FreeObject(Json.anyValue(ws), ws), "json_object");
    }

    /** Any JSON value. */
    public static Grammar anyJson() {
        return new Grammar(Json.anyValue(Json.whitespace()), "json");
    }

    /** Values valid against this JSON schema (OpenAI strict mode's subset). Throws SchemaException naming a keyword. */
    public static Grammar jsonSchema(JsonNode schema) {
        return cached(
                "schema:" + schema,
                () -> new Grammar(new JsonSchemaCompiler(schema, Json.whitespace()).compile(), "json_schema"));
    }

    private static final int CACHED = 256;
    private static final java.util.Map<String, Grammar> COMPILED =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Grammar> e) {
                    return size() > CACHED;
                }
            });

    /**
     * The grammar compiled for this key before, or now: requests with the same schema share one grammar, and so the
     * masks computed for its states. (Compile errors are thrown, not cached.)
     */
    public static Grammar cached(String key, java.util.function.Supplier<Grammar> compile) {
        Grammar g = COMPILED.get(key);
        if (g == null) {
            g = compile.get();
            COMPILED.put(key, g);
        }
        return g;
    }

    /** Exactly this text. */
    public static Grammar literal(String text) {
        return new Grammar(Json.lit(text), "literal");
    }

    /** One of these texts (the choice form: a trie, so shared prefixes are read once). */
    public static Grammar oneOf(List<String> texts) {
        if (texts.isEmpty()) throw new IllegalArgumentException("no choices");
        return new Grammar(new Nodes.Literal(texts), "choice");
    }

    /** These grammars one after the other. */
    public static Grammar sequence(Grammar... parts) {
        Node[] nodes = new Node[parts.length];
        for (int i = 0; i < parts.length; i++) nodes[i] = parts[i].root;
        return new Grammar(new Nodes.Sequence(nodes), "sequence");
    }

    /** Any one of these grammars. */
    public static Grammar anyOf(List<Grammar> options) {
        List<Node> nodes = new ArrayList<>();
        for (Grammar g : options) nodes.add(g.root);
        return new Grammar(new Nodes.Choice(nodes.toArray(new Node[0])), "anyOf");
    }

    /** Between min and max repetitions of item, separated by sep (tool calls in parallel). */
    public static Grammar repeat(Grammar item, Grammar sep, int min, int max) {
        if (min < 1 || max < min) throw new IllegalArgumentException("repeat needs 1 <= min <= max");
        Node tail = null;
        for (int i = max; i > min; i--) {
            Node more = new Nodes.Sequence(sep.root, item.root);
            tail = new Nodes.Choice(tail == null ? more : new Nodes.Sequence(more, tail), new Nodes.Sequence());
        }
        List<Node> parts = new ArrayList<>();
        for (int i = 0; i < min; i++) {
            if (i > 0) parts.add(sep.root);
            parts.add(item.root);
        }
        if (tail != null) parts.add(tail);
        return new Grammar(new Nodes.Sequence(parts.toArray(new Node[0])), "repeat");
    }

    /** JSON whitespace, at most a few bytes (between the parts of a sequence). */
    public static Grammar whitespace() {
        return new Grammar(Json.whitespace(), "whitespace");
    }

    /** The fewest bytes a valid output has. */
    public int minLength() {
        return root.minLen();
    }

    @Override
    public String toString() {
        return "Grammar[" + description + "]";
    }
}
