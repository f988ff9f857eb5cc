package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.fairway.engine.grammar.Grammar;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.RandomSchemas;
import dev.fairway.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Structured outputs from the real stories260K model through the engine: valid every time, batched or alone. */
class ConstrainedGenerationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.create(
                Model.load(TestModels.stories(), null),
                EngineConfig.builder()
                        .kvCacheTokens(16384)
                        .maxBatchTokens(256)
                        .maxWaitingRequests(500)
                        .build());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static GenerationRequest request(String prompt, SamplingParams.Builder p) {
        return GenerationRequest.of(Prompt.text(prompt), p.build());
    }

    @Test
    void fiftyGeneratedSchemasAtTemperatureOneAllParseAndValidate() throws Exception {
        RandomSchemas schemas = new RandomSchemas(50);
        SchemaRegistry validators = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        List<JsonNode> used = new ArrayList<>();
        List<GenerationHandle> handles = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            JsonNode schema = schemas.next();
            used.add(schema);
            handles.add(engine.submit(
                    request(
                            "Once upon a time",
                            SamplingParams.builder()
                                    .temperature(1f)
                                    .seed((long) i)
                                    .maxTokens(400)
                                    .grammar(Grammar.jsonSchema(schema))),
                    GenerationListener.NONE));
        }
        for (int i = 0; i < 50; i++) {
            ChoiceResult c = handles.get(i).result().get().first();
            assertThat(c.finishReason()).as(c.text()).isEqualTo(FinishReason.STOP);
            JsonNode value = JSON.readTree(c.text());
            assertThat(validators.getSchema(used.get(i)).validate(value))
                    .as("%s against %s", c.text(), used.get(i))
                    .isEmpty();
        }
    }

    @Test
    void jsonObjectAlwaysParsesEvenWithFewTokens() throws Exception {
        for (int seed = 0; seed < 10; seed++) {
            ChoiceResult c = engine.generate(request(
                            "Once upon a time",
                            SamplingParams.builder()
                                    .temperature(1f)
                                    .seed((long) seed)
                                    .maxTokens(8 + seed * 4)
                                    .grammar(Grammar.jsonObject())))
                    .first();
            assertThat(JSON.readTree(c.text()).isObject()).as(c.text()).isTrue();
            assertThat(c.finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void constrainedAndUnconstrainedSequencesInOneBatchEachBehaveAsAlone() throws Exception {
        JsonNode schema = new RandomSchemas(3).next();
        List<GenerationRequest> requests = List.of(
                request(
                        "Once upon a time",
                        SamplingParams.builder().temperature(0).maxTokens(60)),
                request(
                        "Once upon a time",
                        SamplingParams.builder().temperature(0).maxTokens(200).grammar(Grammar.jsonSchema(schema))),
                request(
                        "The cat sat",
                        SamplingParams.builder().temperature(1f).seed(9L).maxTokens(60)),
                request(
                        "The cat sat",
                        SamplingParams.builder()
                                .temperature(1f)
                                .topK(40)
                                .topP(0.9f)
                                .minP(0.02f)
                                .presencePenalty(0.5f)
                                .seed(9L)
                                .maxTokens(200)
                                .grammar(Grammar.jsonObject())));
        List<String> alone = new ArrayList<>();
        for (GenerationRequest r : requests)
            alone.add(engine.generate(r).first().text());
        List<GenerationHandle> together = new ArrayList<>();
        for (GenerationRequest r : requests) together.add(engine.submit(r, GenerationListener.NONE));
        for (int i = 0; i < requests.size(); i++)
            assertThat(together.get(i).result().get().first().text()).isEqualTo(alone.get(i));
        JSON.readTree(alone.get(1));
        assertThat(JSON.readTree(alone.get(3)).isObject()).isTrue();
        assertThat(alone.get(0)).doesNotStartWith("{");
    }

    @Test
    void logitBiasAgainstTheOnlyValidTokenCannotBreakTheGrammar() throws Exception {
        int brace = engine.encode("{")[engine.encode("{").length - 1];
        ChoiceResult c = engine.generate(request(
                        "Once upon a time",
                        SamplingParams.builder()
                                .temperature(0)
                                .maxTokens(50)
                                .logitBias(java.util.Map.of(brace, -100f))
                                .grammar(Grammar.jsonObject())))
                .first();
        assertThat(JSON.readTree(c.text()).isObject()).as(c.text()).isTrue();
    }
}
