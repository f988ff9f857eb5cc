package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request policy over HTTP: no-op and output-neutral fields pass, fields that would change the output are named. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestPolicyTest {
    private static final String HI = "\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],\"max_tokens\":2";
    private Http http;

    @BeforeAll
    void start() {
        http = new Http(SharedGateway.get().baseUrl());
    }

    @ParameterizedTest(name = "chat accepts {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "store                      | \"store\":true",
                "metadata                   | \"metadata\":{\"a\":\"b\"}",
                "prompt_cache_key           | \"prompt_cache_key\":\"k1\"",
                "prompt_cache_retention     | \"prompt_cache_retention\":\"24h\"",
                "safety_identifier          | \"safety_identifier\":\"hash\"",
                "verbosity                  | \"verbosity\":\"low\"",
                "service_tier               | \"service_tier\":\"auto\"",
                "reasoning_effort           | \"reasoning_effort\":\"low\"",
                "user                       | \"user\":\"u\"",
                "tools empty                | \"tools\":[]",
                "tool_choice none           | \"tool_choice\":\"none\"",
                "parallel_tool_calls        | \"parallel_tool_calls\":false",
                "response_format text       | \"response_format\":{\"type\":\"text\"}",
                "modalities text            | \"modalities\":[\"text\"]",
                "include_obfuscation        | \"stream\":true,\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}",
                "explicit nulls             | \"tools\":null,\"audio\":null",
            })
    void acceptsFieldsThatDoNotChangeTheOutput(String what, String fields) {
        Http.Response r = http.post("/v1/chat/completions", "{" + HI + "," + fields + "}");
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(200);
    }

    @ParameterizedTest(name = "chat refuses {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "functions (legacy)         | \"functions\":[{\"name\":\"f\"}] | functions",
                "tool_choice required       | \"tool_choice\":\"required\" | tool_choice",
                "function_call (legacy)     | \"function_call\":\"auto\" | function_call",
                "audio                      | \"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"} | audio",
                "audio modality             | \"modalities\":[\"text\",\"audio\"] | modalities",
                "web_search_options         | \"web_search_options\":{} | web_search_options",
                "unknown field              | \"frobnicate\":1 | frobnicate",
            })
    void refusesFieldsItCannotHonourNamingThem(String what, String fields, String param) {
        Http.Response r = http.post("/v1/chat/completions", "{" + HI + "," + fields + "}");
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(400);
        JsonNode error = r.json().get("error");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("message").asText()).contains(param);
    }

    @ParameterizedTest(name = "completions: {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "echo false      | \"echo\":false    | 200",
                "suffix empty    | \"suffix\":\"\"   | 200",
                "store           | \"store\":true    | 200",
                "echo true       | \"echo\":true     | 400",
                "suffix          | \"suffix\":\"x\"  | 400",
            })
    void completionsFollowTheSamePolicy(String what, String field, int status) {
        Http.Response r = http.post("/v1/completions", "{\"prompt\":\"Once\",\"max_tokens\":2," + field + "}");
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(status);
    }
}
