package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input gets a 4xx with an OpenAI error body naming the field, never a 500 or a hang; the server stays up. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class BadRequestsTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String TEXT = "/v1/completions";
    private static final String HI = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private Gateway gateway;
    private Http http;

    @BeforeAll
    void start() {
        gateway = SharedGateway.get();
        http = new Http(gateway.baseUrl());
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad("malformed JSON", CHAT, "{\"messages\":", 400, null),
                bad("empty body", CHAT, "", 400, null),
                bad("array body", CHAT, "[]", 400, null),
                bad("NaN literal", CHAT, "{" + HI + ",\"temperature\":NaN}", 400, null),
                bad("deep nesting", CHAT, "[".repeat(5000), 400, null),
                bad("messages missing", CHAT, "{\"max_tokens\":5}", 400, "messages"),
                bad("messages not array", CHAT, "{\"messages\":\"hi\"}", 400, "messages"),
                bad("messages empty", CHAT, "{\"messages\":[]}", 400, "messages"),
                bad("role missing", CHAT, "{\"messages\":[{\"content\":\"hi\"}]}", 400, "messages[0].role"),
                bad(
                        "role unknown",
                        CHAT,
                        "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
                        400,
                        "messages[0].role"),
                bad(
                        "function role",
                        CHAT,
                        "{\"messages\":[{\"role\":\"function\",\"content\":\"hi\",\"name\":\"x\"}]}",
                        400,
                        "messages[0].role"),
                bad(
                        "content number",
                        CHAT,
                        "{\"messages\":[{\"role\":\"user\",\"content\":42}]}",
                        400,
                        "messages[0].content"),
                bad(
                        "image part",
                        CHAT,
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/y.png\"}}]}]}",
                        400,
                        "messages[0].content[0].type"),
                bad(
                        "audio part",
                        CHAT,
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"input_audio\",\"input_audio\":{}}]}]}",
                        400,
                        "messages[0].content[1].type"),
                bad(
                        "tool without name",
                        CHAT,
                        "{" + HI + ",\"tools\":[{\"type\":\"function\",\"function\":{}}]}",
                        400,
                        "tools[0].function.name"),
                bad(
                        "tool parameters with an unsupported keyword",
                        CHAT,
                        "{" + HI + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"x\"}}}}}]}",
                        400,
                        "tools[0].function.parameters"),
                bad("tool_choice without tools", CHAT, "{" + HI + ",\"tool_choice\":\"required\"}", 400, "tool_choice"),
                bad(
                        "tool_choice naming an unknown tool",
                        CHAT,
                        "{" + HI + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}}",
                        400,
                        "tool_choice"),
                bad("functions", CHAT, "{" + HI + ",\"functions\":[{\"name\":\"f\"}]}", 400, "functions"),
                bad(
                        "response_format of unknown type",
                        CHAT,
                        "{" + HI + ",\"response_format\":{\"type\":\"yaml\"}}",
                        400,
                        "response_format.type"),
                bad(
                        "json_schema without schema",
                        CHAT,
                        "{" + HI + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\"}}}",
                        400,
                        "response_format.json_schema.schema"),
                bad(
                        "json_schema with an unsupported keyword",
                        CHAT,
                        "{" + HI
                                + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\","
                                + "\"schema\":{\"type\":\"object\",\"oneOf\":[]}}}}",
                        400,
                        "response_format.json_schema.schema"),
                bad(
                        "malformed json_schema",
                        CHAT,
                        "{" + HI
                                + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\","
                                + "\"schema\":{\"type\":\"object\",\"required\":[\"x\"],\"properties\":{}}}}}",
                        400,
                        "response_format.json_schema.schema"),
                bad(
                        "tool message without tool_call_id",
                        CHAT,
                        "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
                        400,
                        "messages[0].tool_call_id"),
                bad("unknown field", CHAT, "{" + HI + ",\"foo\":1}", 400, "foo"),
                bad("temperature string", CHAT, "{" + HI + ",\"temperature\":\"hot\"}", 400, "temperature"),
                bad("temperature negative", CHAT, "{" + HI + ",\"temperature\":-1}", 400, "temperature"),
                bad("temperature huge", CHAT, "{" + HI + ",\"temperature\":1e308}", 400, "temperature"),
                bad("max_tokens negative", CHAT, "{" + HI + ",\"max_tokens\":-5}", 400, "max_tokens"),
                bad("max_tokens zero", CHAT, "{" + HI + ",\"max_tokens\":0}", 400, "max_tokens"),
                bad(
                        "max_tokens huge",
                        CHAT,
                        "{" + HI + ",\"max_tokens\":100000000000000000000000000000}",
                        400,
                        "max_tokens"),
                bad("max_tokens fraction", CHAT, "{" + HI + ",\"max_tokens\":1.5}", 400, "max_tokens"),
                bad("max_tokens over context", CHAT, "{" + HI + ",\"max_tokens\":100000}", 400, "messages"),
                bad(
                        "max_completion_tokens string",
                        CHAT,
                        "{" + HI + ",\"max_completion_tokens\":\"10\"}",
                        400,
                        "max_completion_tokens"),
                bad("top_p zero", CHAT, "{" + HI + ",\"top_p\":0}", 400, "top_p"),
                bad("top_p above one", CHAT, "{" + HI + ",\"top_p\":1.5}", 400, "top_p"),
                bad("top_k too small", CHAT, "{" + HI + ",\"top_k\":-2}", 400, "top_k"),
                bad("min_p above one", CHAT, "{" + HI + ",\"min_p\":2}", 400, "min_p"),
                bad("n zero", CHAT, "{" + HI + ",\"n\":0}", 400, "n"),
                bad("n huge", CHAT, "{" + HI + ",\"n\":1000}", 400, "n"),
                bad("stop number", CHAT, "{" + HI + ",\"stop\":5}", 400, "stop"),
                bad("stop array with number", CHAT, "{" + HI + ",\"stop\":[\"a\",1]}", 400, "stop"),
                bad("stop empty string", CHAT, "{" + HI + ",\"stop\":\"\"}", 400, "stop"),
                bad(
                        "presence_penalty out of range",
                        CHAT,
                        "{" + HI + ",\"presence_penalty\":3}",
                        400,
                        "presence_penalty"),
                bad(
                        "frequency_penalty string",
                        CHAT,
                        "{" + HI + ",\"frequency_penalty\":\"1\"}",
                        400,
                        "frequency_penalty"),
                bad(
                        "repetition_penalty zero",
                        CHAT,
                        "{" + HI + ",\"repetition_penalty\":0}",
                        400,
                        "repetition_penalty"),
                bad("logit_bias key not a token", CHAT, "{" + HI + ",\"logit_bias\":{\"abc\":1}}", 400, "logit_bias"),
                bad(
                        "logit_bias token outside vocab",
                        CHAT,
                        "{" + HI + ",\"logit_bias\":{\"99999\":1}}",
                        400,
                        "logit_bias"),
                bad(
                        "logit_bias value out of range",
                        CHAT,
                        "{" + HI + ",\"logit_bias\":{\"5\":500}}",
                        400,
                        "logit_bias"),
                bad(
                        "top_logprobs too many",
                        CHAT,
                        "{" + HI + ",\"logprobs\":true,\"top_logprobs\":50}",
                        400,
                        "top_logprobs"),
                bad("top_logprobs without logprobs", CHAT, "{" + HI + ",\"top_logprobs\":2}", 400, "top_logprobs"),
                bad("seed string", CHAT, "{" + HI + ",\"seed\":\"x\"}", 400, "seed"),
                bad("seed beyond 64 bits", CHAT, "{" + HI + ",\"seed\":1e40}", 400, "seed"),
                bad("stream not boolean", CHAT, "{" + HI + ",\"stream\":\"yes\"}", 400, "stream"),
                bad(
                        "stream_options without stream",
                        CHAT,
                        "{" + HI + ",\"stream_options\":{\"include_usage\":true}}",
                        400,
                        "stream_options"),
                bad(
                        "min_tokens above max_tokens",
                        CHAT,
                        "{" + HI + ",\"max_tokens\":3,\"min_tokens\":9}",
                        400,
                        "min_tokens"),
                bad("ignore_eos not boolean", CHAT, "{" + HI + ",\"ignore_eos\":1}", 400, "ignore_eos"),
                bad("user not string", CHAT, "{" + HI + ",\"user\":7}", 400, "user"),
                bad("unknown model", CHAT, "{\"model\":\"gpt-4o\"," + HI + "}", 404, "model"),
                bad(
                        "prompt over context",
                        TEXT,
                        "{\"prompt\":\"" + "once upon a time ".repeat(140) + "\",\"max_tokens\":5}",
                        400,
                        "prompt"),
                bad(
                        "prompt far beyond context, refused before tokenizing",
                        CHAT,
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a ".repeat(100_000) + "\"}]}",
                        400,
                        "messages"),
                bad("completion prompt missing", TEXT, "{\"max_tokens\":5}", 400, "prompt"),
                bad("completion batched prompts", TEXT, "{\"prompt\":[\"a\",\"b\"]}", 400, "prompt"),
                bad("completion token outside vocab", TEXT, "{\"prompt\":[1,99999]}", 400, "prompt"),
                bad("completion suffix", TEXT, "{\"prompt\":\"a\",\"suffix\":\"b\"}", 400, "suffix"),
                bad("completion logprobs too many", TEXT, "{\"prompt\":\"a\",\"logprobs\":9}", 400, "logprobs"),
                bad("detokenize outside vocab", "/detokenize", "{\"tokens\":[1,-4]}", 400, "tokens"),
                bad("tokenize without prompt", "/tokenize", "{}", 400, "prompt"),
                bad(
                        "tokenize prompt far beyond context",
                        "/tokenize",
                        "{\"prompt\":\"" + "a ".repeat(100_000) + "\"}",
                        400,
                        "prompt"),
                bad(
                        "tokenize messages far beyond context",
                        "/tokenize",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a ".repeat(100_000) + "\"}]}",
                        400,
                        "messages"),
                bad(
                        "detokenize too many tokens",
                        "/detokenize",
                        "{\"tokens\":[" + "1,".repeat(20_000) + "1]}",
                        400,
                        "tokens"),
                bad("unknown route", "/v1/audio/speech", "{\"input\":\"x\"}", 404, null),
                bad(
                        "body over limit",
                        CHAT,
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(300_000) + "\"}]}",
                        413,
                        null));
    }

    private static Arguments bad(String name, String path, String body, int status, String param) {
        return arguments(name, path, body.getBytes(StandardCharsets.UTF_8), status, param);
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("badRequests")
    void answersOpenAiErrorWithStatusAndParam(String name, String path, byte[] body, int status, String param) {
        Http.Response r = http.post(path, body);
        assertThat(r.status()).as(name + ": " + r.body()).isEqualTo(status);
        assertOpenAiError(r.json(), param);
    }

    @Test
    void tokenizeRefusesAHugePromptBeforeTokenizingIt() {
        long start = System.nanoTime();
        Http.Response r = http.post("/tokenize", "{\"prompt\":\"" + "once upon a time ".repeat(15_000) + "\"}");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(r.json().get("error").get("message").asText()).contains("255000 characters");
        // the message counts characters, which only the check before tokenizing does; the time is a second, loose
        // witness, with room for a slow request on a loaded machine
        assertThat(millis).as("answered without tokenizing").isLessThan(10_000);
    }

    @Test
    void invalidUtf8IsABadRequest() {
        byte[] prefix = "{\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[prefix.length + 3 + suffix.length];
        System.arraycopy(prefix, 0, body, 0, prefix.length);
        body[prefix.length] = (byte) 0xff;
        body[prefix.length + 1] = (byte) 0xfe;
        body[prefix.length + 2] = (byte) 0xc3;
        System.arraycopy(suffix, 0, body, prefix.length + 3, suffix.length);
        Http.Response r = http.post(CHAT, body);
        assertThat(r.status()).isEqualTo(400);
        assertOpenAiError(r.json(), null);
    }

    @Test
    void serverStillServesAfterAllTheAbuse() throws InterruptedException {
        badRequests().forEach(a -> http.post((String) a.get()[1], (byte[]) a.get()[2]));
        Http.Response ok = http.post(CHAT, "{" + HI + ",\"max_tokens\":3}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(http.get("/health").status()).isEqualTo(200);
        assertThat(runningAfterSettling()).isZero();
    }

    /**
     * Engine.stats() is published after the step that finished a request, and its response can reach the client
     * (and /health answer) first when the engine thread, at a lower priority, is descheduled in between.
     */
    private int runningAfterSettling() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int running = gateway.engine().stats().runningSequences();
        while (running != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5); // sleeping, not spinning: the engine thread needs the core
            running = gateway.engine().stats().runningSequences();
        }
        return running;
    }

    public static void assertOpenAiError(JsonNode body, String param) {
        JsonNode error = body.get("error");
        assertThat(error).as(body.toString()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isNotBlank();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        if (param != null)
            assertThat(error.get("param").asText()).as(body.toString()).isEqualTo(param);
    }
}
