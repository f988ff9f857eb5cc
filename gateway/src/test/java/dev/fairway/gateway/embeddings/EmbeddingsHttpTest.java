package dev.fairway.gateway.embeddings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import dev.fairway.testkit.ReferenceLlama;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /v1/embeddings through LangChain4j's OpenAI embedding model and raw HTTP, checked against the reference forward pass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddingsHttpTest {
    private Http http;
    private OpenAiEmbeddingModel model;

    @BeforeAll
    void start() {
        String base = SharedGateway.get().baseUrl();
        http = new Http(base);
        model = OpenAiEmbeddingModel.builder()
                .baseUrl(base + "/v1")
                .apiKey("x")
                .modelName("stories260K")
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @Test
    void langChain4jGetsStableUnitVectorsThatTellTextsApart() {
        Embedding a = model.embed("Once upon a time").content();
        Embedding again = model.embed("Once upon a time").content();
        Embedding other = model.embed("The dog barked at the moon").content();
        assertThat(a.vector()).containsExactly(again.vector());
        assertThat(cosine(a.vector(), again.vector())).isCloseTo(1.0, Offset.offset(1e-6));
        assertThat(cosine(a.vector(), other.vector())).isLessThan(0.999);
        assertThat(a.dimension()).isEqualTo(64); // stories260K's hidden size
        assertThat(norm(a.vector())).isCloseTo(1.0, Offset.offset(1e-5));

        List<Embedding> batch = model.embedAll(
                        List.of(TextSegment.from("Once upon a time"), TextSegment.from("The dog barked at the moon")))
                .content();
        assertThat(batch).hasSize(2);
        assertThat(cosine(batch.get(0).vector(), a.vector())).isCloseTo(1.0, Offset.offset(1e-6));
        assertThat(cosine(batch.get(1).vector(), other.vector())).isCloseTo(1.0, Offset.offset(1e-6));
    }

    @Test
    void theVectorIsTheMeanOfTheReferenceFinalHiddenStates() {
        JsonNode r = http.post("/v1/embeddings", "{\"input\":[[1, 403, 407, 261, 378]]}")
                .json();
        float[] got = floats(r.at("/data/0/embedding"));
        ReferenceLlama ref = ReferenceLlama.load(Path.of(TestGateway.modelPath()));
        float[][] states = ref.hiddenStates(new int[] {1, 403, 407, 261, 378});
        float[] want = new float[states[0].length];
        for (float[] s : states) for (int i = 0; i < want.length; i++) want[i] += s[i];
        assertThat(cosine(got, want)).isGreaterThan(0.99999);
        assertThat(r.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
        assertThat(r.at("/usage/total_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void base64IsTheSameVectorAsLittleEndianFloats() {
        JsonNode f = http.post("/v1/embeddings", "{\"input\":\"Mom said\"}").json();
        JsonNode b = http.post("/v1/embeddings", "{\"input\":\"Mom said\",\"encoding_format\":\"base64\"}")
                .json();
        ByteBuffer bytes = ByteBuffer.wrap(
                        Base64.getDecoder().decode(b.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        for (int i = 0; i < decoded.length; i++) decoded[i] = bytes.getFloat();
        assertThat(decoded).containsExactly(floats(f.at("/data/0/embedding")));
        assertThat(f.get("object").asText()).isEqualTo("list");
        assertThat(f.at("/data/0/object").asText()).isEqualTo("embedding");
        assertThat(f.get("model").asText()).isEqualTo("stories260K");
    }

    @Test
    void theModelsOwnDimensionsAreAccepted() {
        assertThat(http.post("/v1/embeddings", "{\"input\":\"a\",\"dimensions\":64}")
                        .status())
                .isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no input              | {}                                          | input",
                "empty string          | {\"input\":\"\"}                            | input",
                "empty array           | {\"input\":[]}                              | input",
                "number item           | {\"input\":[\"a\", 3.5]}                    | input[1]",
                "token outside vocab   | {\"input\":[1, 99999]}                      | input",
                "format                | {\"input\":\"a\",\"encoding_format\":\"hex\"} | encoding_format",
                "other dimensions      | {\"input\":\"a\",\"dimensions\":32}          | dimensions",
                "unknown field         | {\"input\":\"a\",\"pooling\":\"cls\"}        | pooling",
            })
    void badBodiesNameTheField(String what, String body, String param) {
        Http.Response r = http.post("/v1/embeddings", body);
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo(param);
    }

    static float[] floats(JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) arr.get(i).asDouble();
        return v;
    }

    static double norm(float[] v) {
        double ss = 0;
        for (float f : v) ss += (double) f * f;
        return Math.sqrt(ss);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += (double) a[i] * b[i];
        return dot / (norm(a) * norm(b));
    }
}
