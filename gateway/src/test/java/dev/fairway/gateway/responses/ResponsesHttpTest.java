package dev.fairway.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /v1/responses over raw HTTP: truncation, store, input items paging, and refused fields named. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesHttpTest {
    private Http http;

    @BeforeAll
    void start() {
        http = new Http(SharedGateway.get().baseUrl());
    }

    /** Ten turns of about 80 tokens: more than stories260K's 512-token context. */
    private static String longInput() {
        StringBuilder items = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            if (i > 0) items.append(',');
            String role = i % 2 == 0 ? "user" : "assistant";
            items.append("{\"role\":\"")
                    .append(role)
                    .append("\",\"content\":\"")
                    .append("Tim and Sue went to the park to play with the big red ball. ".repeat(5))
                    .append("\"}");
        }
        return items.append(",{\"role\":\"user\",\"content\":\"Once upon a time\"}]")
                .toString();
    }

    @Test
    void truncationDisabledRefusesATooLongHistoryAndAutoDropsTheOldestTurns() {
        Http.Response refused = http.post("/v1/responses", "{\"input\":" + longInput() + ",\"max_output_tokens\":8}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().at("/error/code").asText()).isEqualTo("context_length_exceeded");

        Http.Response auto = http.post(
                "/v1/responses",
                "{\"input\":" + longInput()
                        + ",\"max_output_tokens\":8,\"truncation\":\"auto\",\"instructions\":\"Tell a story.\"}");
        assertThat(auto.status()).as(auto.body()).isEqualTo(200);
        JsonNode r = auto.json();
        assertThat(r.get("truncation").asText()).isEqualTo("auto");
        assertThat(r.get("instructions").asText()).isEqualTo("Tell a story.");
        assertThat(r.at("/usage/input_tokens").asInt()).isLessThan(512);
        assertThat(r.get("output_text").asText()).isNotEmpty();
    }

    @Test
    void concurrentResponsesOnOneConversationTakeTurns() {
        String conv = http.post("/v1/conversations", "{}").json().get("id").asText();
        String body = "{\"input\":\"Once upon a time\",\"max_output_tokens\":40,\"conversation\":\"" + conv + "\"}";
        var turns = java.util.stream.IntStream.range(0, 3)
                .mapToObj(
                        i -> java.util.concurrent.CompletableFuture.supplyAsync(() -> http.post("/v1/responses", body)))
                .toList();
        for (var t : turns) assertThat(t.join().status()).isEqualTo(200);
        JsonNode items = http.get("/v1/conversations/" + conv + "/items?order=asc")
                .json()
                .get("data");
        assertThat(items).hasSize(6);
        for (int i = 0; i < 6; i++)
            assertThat(items.get(i).get("role").asText()).isEqualTo(i % 2 == 0 ? "user" : "assistant");
        // each later turn saw the earlier ones: its prompt is longer
        assertThat(turns.stream()
                        .map(t -> t.join().json().at("/usage/input_tokens").asInt())
                        .distinct())
                .hasSize(3);
    }

    @Test
    void storeFalseIsAnsweredButNotKept() {
        JsonNode r = http.post(
                        "/v1/responses", "{\"input\":\"Once upon a time\",\"max_output_tokens\":4,\"store\":false}")
                .json();
        assertThat(r.get("store").asBoolean()).isFalse();
        assertThat(http.get("/v1/responses/" + r.get("id").asText()).status()).isEqualTo(404);
    }

    @Test
    void inputItemsArePagedNewestFirst() {
        JsonNode r = http.post(
                        "/v1/responses",
                        "{\"input\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
                                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"c\"}]}],\"max_output_tokens\":2}")
                .json();
        String id = r.get("id").asText();
        JsonNode page = http.get("/v1/responses/" + id + "/input_items?limit=2").json();
        assertThat(page.get("data")).hasSize(2);
        assertThat(page.at("/data/0/content/0/text").asText()).isEqualTo("c");
        assertThat(page.at("/data/1/content/0/type").asText()).isEqualTo("output_text");
        assertThat(page.get("has_more").asBoolean()).isTrue();
        JsonNode rest = http.get("/v1/responses/" + id + "/input_items?limit=2&after="
                        + page.get("last_id").asText())
                .json();
        assertThat(rest.get("data")).hasSize(1);
        assertThat(rest.at("/data/0/content/0/text").asText()).isEqualTo("a");
        assertThat(rest.get("has_more").asBoolean()).isFalse();
        assertThat(http.delete("/v1/responses/" + id).json().get("deleted").asBoolean())
                .isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no input           | {}                                                              | input",
                "image part         | {\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\"}]}]} | input[0].content[0].type",
                "reasoning item     | {\"input\":[{\"type\":\"reasoning\",\"summary\":[]}]} | input[0].type",
                "schema keyword     | {\"input\":\"a\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{\"type\":\"string\",\"pattern\":\"a\"}}}} | text.format.schema",
                "format type        | {\"input\":\"a\",\"text\":{\"format\":{\"type\":\"yaml\"}}}      | text.format.type",
                "built-in tools     | {\"input\":\"a\",\"tools\":[{\"type\":\"web_search\"}]}       | tools[0].type",
                "background         | {\"input\":\"a\",\"background\":true}                         | background",
                "both histories     | {\"input\":\"a\",\"previous_response_id\":\"resp_x\",\"conversation\":\"conv_x\"} | conversation",
                "unknown            | {\"input\":\"a\",\"frobnicate\":1}                             | frobnicate",
                "bad truncation     | {\"input\":\"a\",\"truncation\":\"middle\"}                    | truncation",
                "unknown previous   | {\"input\":\"a\",\"previous_response_id\":\"resp_nope\"}       | previous_response_id",
            })
    void refusedFieldsAreNamed(String what, String body, String param) {
        Http.Response r = http.post("/v1/responses", body);
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo(param);
    }

    @Test
    void textFormatJsonSchemaConstrainsTheOutputText() {
        JsonNode r = http.post(
                        "/v1/responses",
                        "{\"input\":\"Once upon a time\",\"temperature\":1,\"max_output_tokens\":120,\"store\":false,"
                                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"person\",\"strict\":true,"
                                + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
                                + "\"happy\":{\"type\":\"boolean\"}},\"required\":[\"name\",\"happy\"],"
                                + "\"additionalProperties\":false}}}}")
                .json();
        JsonNode person = Http.parse(r.get("output_text").asText());
        assertThat(person.get("name").isTextual()).isTrue();
        assertThat(person.get("happy").isBoolean()).isTrue();
    }

    @Test
    void noOpFieldsCurrentSdksSendAreAccepted() {
        Http.Response r = http.post(
                "/v1/responses",
                "{\"input\":\"Once\",\"max_output_tokens\":2,\"tools\":[],\"tool_choice\":\"auto\",\"parallel_tool_calls\":true,"
                        + "\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"low\"},\"reasoning\":{\"effort\":\"low\"},"
                        + "\"prompt_cache_key\":\"k\",\"safety_identifier\":\"s\",\"service_tier\":\"auto\",\"include\":[],"
                        + "\"metadata\":{\"a\":\"b\"},\"user\":\"u\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().at("/metadata/a").asText()).isEqualTo("b");
    }
}
