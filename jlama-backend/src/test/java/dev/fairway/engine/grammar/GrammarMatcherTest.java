package dev.fairway.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.text.TextCodec;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.engine.tools.ToolChoice;
import dev.fairway.engine.tools.ToolFormat;
import dev.fairway.engine.tools.ToolSpec;
import dev.fairway.engine.tools.Tools;
import dev.fairway.testkit.RandomSchemas;
import dev.fairway.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Grammar masks against real vocabularies, driven by random logits (a model that knows nothing, sampled at
 * temperature 1): whatever is drawn, the output parses and validates against its schema and ends within budget.
 * SmolLM2's byte-level vocabulary has tokens holding parts of UTF-8 characters and tokens spanning several JSON
 * symbols ("},", "\":\""), stories260K's has byte-fallback tokens.
 */
class GrammarMatcherTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    record Drawn(String text, int tokens, boolean finished) {}

    /** Draws up to budget tokens from random logits under the grammar. */
    static Drawn draw(TextCodec codec, Grammar grammar, long seed, int budget, float spaceBias) {
        Random random = new Random(seed);
        int vocab = codec.vocabSize();
        GrammarMatcher m = new GrammarMatcher(grammar, codec.tokenVocabulary());
        Set<Integer> eos = codec.eosIds();
        float[] logits = new float[vocab];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int spaceToken = codec.encode(" ").length == 1 ? codec.encode(" ")[0] : -1;
        for (int i = 0; i < budget; i++) {
            for (int t = 0; t < vocab; t++) logits[t] = (float) random.nextGaussian() * 3;
            if (spaceToken >= 0) logits[spaceToken] += spaceBias;
            assertThat(m.mask(logits, 0, vocab, budget - i, eos)).isTrue();
            int token = sample(logits, random);
            if (eos.contains(token)) return new Drawn(out.toString(StandardCharsets.UTF_8), i + 1, true);
            byte[] bytes = codec.tokenBytes(token);
            assertThat(m.accept(bytes)).as("drawn token fits").isTrue();
            out.writeBytes(bytes);
            if (m.finished()) return new Drawn(out.toString(StandardCharsets.UTF_8), i + 1, true);
        }
        return new Drawn(out.toString(StandardCharsets.UTF_8), budget, m.canEnd());
    }

    static int sample(float[] logits, Random random) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        double r = random.nextDouble() * sum;
        int last = 0;
        for (int t = 0; t < logits.length; t++) {
            if (logits[t] == Float.NEGATIVE_INFINITY) continue;
            last = t;
            r -= Math.exp(logits[t] - max);
            if (r <= 0) return t;
        }
        return last;
    }

    static TextCodec codec(String folder) throws Exception {
        return Model.loadCodec(TestModels.model(folder));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "SmolLM2-135M-Instruct-config"})
    void fiftyRandomSchemasAlwaysGiveValidOutputs(String folder) throws Exception {
        TextCodec codec = codec(folder);
        RandomSchemas schemas = new RandomSchemas(20);
        for (int i = 0; i < 50; i++) {
            JsonNode schema = schemas.next();
            Grammar g = Grammar.jsonSchema(schema);
            Drawn d = draw(codec, g, i, 300, 0);
            assertThat(d.finished())
                    .as("complete within budget: %s for %s", d.text(), schema)
                    .isTrue();
            JsonNode value = JSON.readTree(d.text());
            Schema validator = VALIDATORS.getSchema(schema);
            assertThat(validator.validate(value))
                    .as("%s against %s", d.text(), schema)
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "SmolLM2-135M-Instruct-config"})
    void jsonObjectAlwaysParsesEvenWhenTheBudgetIsTight(String folder) throws Exception {
        TextCodec codec = codec(folder);
        for (int seed = 0; seed < 20; seed++) {
            Drawn d = draw(codec, Grammar.jsonObject(), seed, 20 + seed * 10, 0);
            assertThat(d.finished()).isTrue();
            assertThat(JSON.readTree(d.text()).isObject()).as(d.text()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "SmolLM2-135M-Instruct-config"})
    void whitespaceCannotRunOn(String folder) throws Exception {
        TextCodec codec = codec(folder);
        JsonNode schema = JSON.readTree(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}},"
                        + "\"required\":[\"a\"],\"additionalProperties\":false}");
        Drawn d = draw(codec, Grammar.jsonSchema(schema), 7, 200, 40f);
        assertThat(d.finished()).isTrue();
        assertThat(d.text()).doesNotContain(" ".repeat(Json.WHITESPACE_RUN + 1));
        assertThat(JSON.readTree(d.text()).path("a").isArray()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "SmolLM2-135M-Instruct-config"})
    void multiByteEnumValuesAndKeysComeOutWhole(String folder) throws Exception {
        TextCodec codec = codec(folder);
        JsonNode schema =
                JSON.readTree("{\"type\":\"object\",\"properties\":{\"日付\":{\"enum\":[\"étoile\",\"猫\",\"😀\"]}},"
                        + "\"required\":[\"日付\"],\"additionalProperties\":false}");
        for (int seed = 0; seed < 10; seed++) {
            Drawn d = draw(codec, Grammar.jsonSchema(schema), seed, 100, 0);
            assertThat(JSON.readTree(d.text()).path("日付").asText()).isIn("étoile", "猫", "😀");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SmolLM2-135M-Instruct-config"})
    void tokensSpanningSeveralSymbolsAreOffered(String folder) throws Exception {
        TextCodec codec = codec(folder);
        JsonNode schema = JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
                + "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"],\"additionalProperties\":false}");
        GrammarMatcher m = new GrammarMatcher(Grammar.jsonSchema(schema), codec.tokenVocabulary());
        assertThat(m.accept("{\"a\":\"x".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(m.allows(0, "\",".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(m.allows(0, "\"}".getBytes(StandardCharsets.UTF_8))).isFalse(); // b is required
        assertThat(m.accept("\", \"b\": 12".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(m.allows(0, "3}".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(m.allows(0, ".5".getBytes(StandardCharsets.UTF_8))).isFalse(); // an integer
        assertThat(m.accept("}".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(m.finished()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pattern", "format", "oneOf", "minimum", "patternProperties"})
    void unsupportedKeywordsAreRefusedByName(String keyword) throws Exception {
        JsonNode schema = JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"" + keyword
                + "\":\"x\"}},\"required\":[\"a\"]}");
        assertThatThrownBy(() -> Grammar.jsonSchema(schema))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("'" + keyword + "'")
                .extracting(e -> ((SchemaException) e).pointer())
                .isEqualTo("/properties/a/" + keyword);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HERMES", "LLAMA3", "MISTRAL"})
    void forcedToolCallsOverRandomSchemasAlwaysParseAndValidate(String format) throws Exception {
        TextCodec codec = codec("stories260K");
        RandomSchemas schemas = new RandomSchemas(31);
        for (int i = 0; i < 20; i++) {
            List<ToolSpec> specs =
                    List.of(new ToolSpec("a", "", schemas.next()), new ToolSpec("b", "", schemas.next()));
            Tools tools = new Tools(specs, i % 2 == 0 ? ToolChoice.REQUIRED : ToolChoice.function("b"), i % 3 == 0);
            Drawn d = draw(codec, ToolFormat.valueOf(format).grammar(tools), i, 400, 0);
            assertThat(d.finished()).as(d.text()).isTrue();
            ToolCallExtractor x = new ToolCallExtractor(Set.of("a", "b"));
            x.feed(d.text());
            x.finish();
            assertThat(x.calls()).as(d.text()).isNotEmpty();
            for (ToolCall c : x.calls()) {
                if (i % 2 == 1) assertThat(c.name()).isEqualTo("b");
                JsonNode schema = specs.get(c.name().equals("a") ? 0 : 1).parameters();
                assertThat(VALIDATORS.getSchema(schema).validate(JSON.readTree(c.arguments())))
                        .as(d.text())
                        .isEmpty();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K"})
    void toolCallShapesFromSequencesAndChoices(String folder) throws Exception {
        TextCodec codec = codec(folder);
        Grammar call = Grammar.sequence(
                Grammar.literal("<tool_call>{\"name\": "),
                Grammar.oneOf(List.of("\"get_weather\"", "\"get_time\"")),
                Grammar.literal("}</tool_call>"));
        Grammar calls = Grammar.repeat(call, Grammar.literal("\n"), 1, 3);
        for (int seed = 0; seed < 10; seed++) {
            Drawn d = draw(codec, calls, seed, 200, 0);
            assertThat(d.text()).matches("(<tool_call>\\{\"name\": \"get_(weather|time)\"}</tool_call>\n?){1,3}");
        }
    }
}
