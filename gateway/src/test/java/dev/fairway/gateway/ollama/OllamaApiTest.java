package dev.fairway.gateway.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Ollama's /api/* over raw HTTP: NDJSON streams, the listings, embed, and errors as {"error": ...}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OllamaApiTest {
    private static final String CHAT =
            "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
                    + "\"options\":{\"temperature\":0,\"num_predict\":12}";
    private Http http;

    @BeforeAll
    void start() {
        http = new Http(SharedGateway.get().baseUrl());
    }

    @Test
    void chatStreamsNdjsonLinesThenADoneLineWithCounts() {
        Http.Response r = http.post("/api/chat", CHAT + "}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/x-ndjson");
        List<JsonNode> lines = r.body().lines().map(Http::parse).toList();
        StringBuilder text = new StringBuilder();
        for (JsonNode l : lines.subList(0, lines.size() - 1)) {
            assertThat(l.get("done").asBoolean()).isFalse();
            assertThat(l.get("model").asText()).isEqualTo("stories260K"); // as the client named it
            assertThat(l.at("/message/role").asText()).isEqualTo("assistant");
            text.append(l.at("/message/content").asText());
        }
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(last.get("done_reason").asText()).isEqualTo("length");
        assertThat(last.get("eval_count").asInt()).isEqualTo(12);
        assertThat(last.get("prompt_eval_count").asInt()).isPositive();
        assertThat(last.get("total_duration").asLong())
                .isGreaterThanOrEqualTo(last.get("load_duration").asLong()
                        + last.get("prompt_eval_duration").asLong()
                        + last.get("eval_duration").asLong())
                .isPositive();
        assertThat(text.toString()).startsWith(TestGateway.STORY);
    }

    @Test
    void chatWithoutStreamingAnswersOneObjectWithTheSameText() {
        JsonNode one = http.post("/api/chat", CHAT + ",\"stream\":false}").json();
        assertThat(one.get("done").asBoolean()).isTrue();
        assertThat(one.at("/message/content").asText()).startsWith(TestGateway.STORY);
        assertThat(one.get("eval_count").asInt()).isEqualTo(12);
    }

    @Test
    void generateUsesTheTemplateOrTheRawPrompt() {
        JsonNode templated = http.post(
                        "/api/generate",
                        "{\"model\":\"stories260K:latest\",\"prompt\":\"Once upon a time\",\"stream\":false,"
                                + "\"options\":{\"temperature\":0,\"num_predict\":30,\"stop\":[\"Lily\"]}}")
                .json();
        assertThat(templated.get("response").asText()).isEqualTo(", there was a little girl named ");
        assertThat(templated.get("done_reason").asText()).isEqualTo("stop");
        JsonNode raw = http.post(
                        "/api/generate",
                        "{\"prompt\":\"Once upon a time\",\"raw\":true,\"stream\":false,"
                                + "\"options\":{\"temperature\":0,\"num_predict\":8}}")
                .json();
        assertThat(raw.get("response").asText()).startsWith(", there was");
    }

    @Test
    void anEmptyPromptOnlyLoadsTheModel() {
        JsonNode r = http.post("/api/generate", "{\"model\":\"stories260K\"}").json();
        assertThat(r.get("done").asBoolean()).isTrue();
        assertThat(r.get("done_reason").asText()).isEqualTo("load");
        assertThat(r.get("response").asText()).isEmpty();
    }

    @Test
    void listingsDescribeTheServedModel() {
        JsonNode tags = http.get("/api/tags").json();
        JsonNode m = tags.at("/models/0");
        assertThat(m.get("name").asText()).isEqualTo("stories260K:latest");
        assertThat(m.get("digest").asText()).hasSize(64);
        assertThat(m.at("/details/format").asText()).isEqualTo("safetensors");

        JsonNode show = http.post("/api/show", "{\"model\":\"stories260K\"}").json();
        assertThat(show.at("/model_info/general.architecture").asText()).isEqualTo("llama");
        assertThat(show.at("/model_info/llama.context_length").asInt()).isEqualTo(512);
        assertThat(show.at("/model_info/llama.embedding_length").asInt()).isEqualTo(64);
        assertThat(show.get("capabilities").toString()).contains("completion", "embedding");

        JsonNode ps = http.get("/api/ps").json();
        assertThat(ps.at("/models/0/name").asText()).isEqualTo("stories260K:latest");
        assertThat(ps.at("/models/0/context_length").asInt()).isEqualTo(512);
        assertThat(http.get("/api/version").json().get("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void embedGivesUnitVectorsMatchingTheOpenAiEndpoint() {
        JsonNode r = http.post("/api/embed", "{\"model\":\"stories260K\",\"input\":[\"Once upon a time\",\"Mom\"]}")
                .json();
        assertThat(r.get("embeddings")).hasSize(2);
        assertThat(r.at("/embeddings/0")).hasSize(64);
        assertThat(r.get("prompt_eval_count").asInt()).isPositive();
        JsonNode openai =
                http.post("/v1/embeddings", "{\"input\":\"Once upon a time\"}").json();
        assertSameVector(r.at("/embeddings/0"), openai.at("/data/0/embedding"));
    }

    @Test
    void theLegacyEmbeddingsEndpointGivesTheSameVectorAsEmbed() {
        JsonNode legacy = http.post("/api/embeddings", "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\"}")
                .json();
        assertThat(legacy.fieldNames()).toIterable().containsExactly("embedding");
        assertThat(legacy.get("embedding")).hasSize(64);
        JsonNode embed = http.post("/api/embed", "{\"model\":\"stories260K\",\"input\":\"Once upon a time\"}")
                .json();
        assertSameVector(legacy.get("embedding"), embed.at("/embeddings/0"));
        // Ollama's answer to an empty prompt: the model loaded, an empty vector
        assertThat(http.post("/api/embeddings", "{\"model\":\"stories260K\",\"prompt\":\"\"}")
                        .json()
                        .get("embedding"))
                .isEmpty();
        Http.Response bad = http.post("/api/embeddings", "{\"model\":\"stories260K\",\"prompt\":[\"a\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).contains("'prompt'");
    }

    @Test
    void formatJsonOrASchemaConstrainsTheAnswer() {
        String ask = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":false,"
                + "\"options\":{\"temperature\":1,\"num_predict\":120},\"format\":";
        JsonNode any = http.post("/api/chat", ask + "\"json\"}").json();
        assertThat(Http.parse(any.at("/message/content").asText()).isObject()).isTrue();
        JsonNode typed = http.post(
                        "/api/chat",
                        ask + "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
                                + "\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"],"
                                + "\"additionalProperties\":false}}")
                .json();
        JsonNode person = Http.parse(typed.at("/message/content").asText());
        assertThat(person.get("name").isTextual()).isTrue();
        assertThat(person.get("age").isIntegralNumber()).isTrue();
        assertThat(person.size()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown model     | {\"model\":\"nope\",\"messages\":[]}                                        | 404 | nope",
                "xml format        | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"format\":\"xml\"}       | 400 | format",
                "schema keyword    | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"format\":{\"type\":\"string\",\"pattern\":\"a\"}} | 400 | pattern",
                "tools             | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"tools\":[{\"type\":\"function\"}]} | 400 | tools",
                "images            | {\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"images\":[\"aGk=\"]}]}   | 400 | images",
                "bad temperature   | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"options\":{\"temperature\":9}} | 400 | options.temperature",
                "mirostat          | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"options\":{\"mirostat\":2}} | 400 | options.mirostat",
                "unknown option    | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"options\":{\"warp\":1}}   | 400 | options.warp",
                "thinking          | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"think\":true}         | 400 | think",
                "malformed         | {\"messages\":                                                                | 400 | JSON",
            })
    void errorsComeInOllamasShape(String what, String body, int status, String mentioned) {
        Http.Response r = http.post("/api/chat", body);
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("error");
        assertThat(json.get("error").asText()).containsIgnoringCase(mentioned);
    }

    @Test
    void ignoredOptionsAreAccepted() {
        Http.Response r = http.post(
                "/api/chat",
                CHAT.replace("\"num_predict\":12", "\"num_predict\":3,\"num_ctx\":4096,\"num_thread\":2,\"mirostat\":0")
                        // -1 (keep loaded): a duration would unload the shared server's model; KeepAliveTest has those
                        + ",\"stream\":false,\"keep_alive\":-1}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(http.get("/api/nothing").json().get("error").asText()).contains("/api/nothing");
    }

    /**
     * Equal up to float rounding: a text pooled alone or in one pass with others goes through kernels that sum in a
     * different order (one row vs a batch), so the last bits may differ.
     */
    private static void assertSameVector(JsonNode actual, JsonNode expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++)
            assertThat(actual.get(i).asDouble())
                    .as("element %d", i)
                    .isCloseTo(expected.get(i).asDouble(), org.assertj.core.api.Assertions.within(1e-5));
    }
}
