package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The OpenAI wire format over raw HTTP: what every client library depends on. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatCompletionsHttpTest {
    static final String STORY = TestGateway.STORY;
    private Gateway gateway;
    private Http http;

    @BeforeAll
    void start() {
        gateway = SharedGateway.get();
        http = new Http(gateway.baseUrl());
    }

    private static String chat(String extra) {
        return "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"temperature\":0"
                + extra + "}";
    }

    @Test
    void nonStreamingGreedyChatContinuesTheReferenceStory() {
        Http.Response r = http.post("/v1/chat/completions", chat(",\"max_tokens\":20"));
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("model").asText()).isEqualTo("stories260K");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).startsWith(STORY);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(20);
        assertThat(usage.get("prompt_tokens").asInt()).isGreaterThan(1);
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + 20);
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").isInt())
                .isTrue();
    }

    @Test
    void streamingSendsOpenAiChunksRoleFirstUsageLastThenDone() {
        String expected = http.post("/v1/chat/completions", chat(",\"max_tokens\":24"))
                .json()
                .get("choices")
                .get(0)
                .get("message")
                .get("content")
                .asText();
        List<String> data = http.stream(
                "/v1/chat/completions",
                chat(",\"max_tokens\":24,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks =
                data.subList(0, data.size() - 1).stream().map(Http::parse).toList();
        String id = chunks.get(0).get("id").asText();
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks) {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("id").asText()).isEqualTo(id);
            assertThat(c.has("usage")).isTrue();
            for (JsonNode choice : c.get("choices"))
                text.append(choice.get("delta").path("content").asText(""));
        }
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText())
                .isEqualTo("assistant");
        JsonNode finish = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertThat(finish.get("finish_reason").asText()).isEqualTo("length");
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage").get("completion_tokens").asInt()).isEqualTo(24);
        assertThat(usageChunk.get("usage").get("prompt_tokens_details").has("cached_tokens"))
                .isTrue();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1))
            assertThat(c.get("usage").isNull()).isTrue();
        assertThat(text.toString()).isEqualTo(expected).startsWith(STORY);
    }

    @Test
    void streamingWithoutIncludeUsageHasNoUsageField() {
        List<String> data = http.stream("/v1/chat/completions", chat(",\"max_tokens\":5,\"stream\":true"));
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = Http.parse(d);
            assertThat(c.has("usage")).isFalse();
            assertThat(c.get("choices")).hasSize(1);
        }
    }

    @Test
    void stopStringEndsTheReplyBeforeItAndReportsStop() {
        JsonNode choice = http.post("/v1/chat/completions", chat(",\"max_tokens\":40,\"stop\":[\"Lily\",\"zzz\"]"))
                .json()
                .get("choices")
                .get(0);
        assertThat(choice.get("message").get("content").asText()).isEqualTo(", there was a little girl named ");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode single = http.post("/v1/chat/completions", chat(",\"max_tokens\":40,\"stop\":\"girl\""))
                .json()
                .get("choices")
                .get(0);
        assertThat(single.get("message").get("content").asText()).isEqualTo(", there was a little ");
    }

    @Test
    void maxCompletionTokensLimitsTheReply() {
        JsonNode body = http.post("/v1/chat/completions", chat(",\"max_completion_tokens\":4"))
                .json();
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void ignoreEosGeneratesExactlyMaxTokens() {
        JsonNode body = http.post(
                        "/v1/chat/completions", chat(",\"max_tokens\":120,\"ignore_eos\":true,\"min_tokens\":10"))
                .json();
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(120);
    }

    @Test
    void nChoicesWithSeedAreReproducible() {
        String req = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"n\":3,\"temperature\":1.0,"
                + "\"top_p\":0.9,\"top_k\":40,\"min_p\":0.01,\"seed\":1234,\"max_tokens\":12,\"presence_penalty\":0.5,"
                + "\"frequency_penalty\":0.2,\"repetition_penalty\":1.1,\"user\":\"end-user-1\"}";
        JsonNode a = http.post("/v1/chat/completions", req).json();
        JsonNode b = http.post("/v1/chat/completions", req).json();
        assertThat(a.get("choices")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(a.get("choices").get(i).get("index").asInt()).isEqualTo(i);
            assertThat(a.get("choices").get(i).get("message").get("content").asText())
                    .isEqualTo(b.get("choices")
                            .get(i)
                            .get("message")
                            .get("content")
                            .asText());
        }
        assertThat(a.get("usage").get("completion_tokens").asInt()).isLessThanOrEqualTo(36);
    }

    @Test
    void streamingNChoicesOpensEachChoiceWithRole() {
        List<String> data = http.stream(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"n\":2,\"seed\":7,\"max_tokens\":6,\"stream\":true}");
        List<JsonNode> chunks =
                data.subList(0, data.size() - 1).stream().map(Http::parse).toList();
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText())
                .isEqualTo("assistant");
        assertThat(chunks.get(1).get("choices").get(0).get("delta").get("role").asText())
                .isEqualTo("assistant");
        assertThat(chunks.stream()
                        .map(c -> c.get("choices").get(0).get("index").asInt())
                        .distinct())
                .containsExactlyInAnyOrder(0, 1);
        long finishes = chunks.stream()
                .filter(c -> !c.get("choices").get(0).get("finish_reason").isNull())
                .count();
        assertThat(finishes).isEqualTo(2);
    }

    @Test
    void logprobsCarryTopAlternatives() {
        JsonNode choice = http.post(
                        "/v1/chat/completions", chat(",\"max_tokens\":5,\"logprobs\":true,\"top_logprobs\":3"))
                .json()
                .get("choices")
                .get(0);
        JsonNode content = choice.get("logprobs").get("content");
        assertThat(content).hasSize(5);
        for (JsonNode t : content) {
            assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0.0);
            assertThat(t.get("top_logprobs")).hasSize(3);
            assertThat(t.get("bytes").isArray()).isTrue();
        }
        List<String> data = http.stream(
                "/v1/chat/completions", chat(",\"max_tokens\":3,\"logprobs\":true,\"top_logprobs\":1,\"stream\":true"));
        long withLogprobs = data.stream()
                .filter(d -> !d.equals("[DONE]"))
                .filter(d ->
                        Http.parse(d).get("choices").get(0).path("logprobs").has("content"))
                .count();
        assertThat(withLogprobs).isEqualTo(3);
    }

    @Test
    void repeatedLongPromptIsServedFromThePrefixCache() {
        String longPrompt =
                "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                        + "One day, she saw a big red ball and a small dog. The dog was happy and wanted to play with Lily.";
        String req = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt
                + "\"}],\"max_tokens\":2,\"temperature\":0}";
        http.post("/v1/chat/completions", req);
        JsonNode usage = http.post("/v1/chat/completions", req).json().get("usage");
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asInt())
                .isGreaterThanOrEqualTo(16);
    }

    @Test
    void textCompletionsNonStreamingAndStreaming() {
        JsonNode body = http.post(
                        "/v1/completions",
                        "{\"prompt\":\"Once upon a time\",\"max_tokens\":10,\"temperature\":0,\"logprobs\":2}")
                .json();
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("text").asText()).startsWith(", there was");
        assertThat(choice.get("logprobs").get("tokens")).hasSize(10);
        assertThat(choice.get("logprobs").get("top_logprobs").get(0).size()).isEqualTo(2);
        List<String> data = http.stream(
                "/v1/completions",
                "{\"prompt\":\"Once upon a time\",\"max_tokens\":10,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = Http.parse(d);
            assertThat(c.get("object").asText()).isEqualTo("text_completion");
            for (JsonNode ch : c.get("choices")) text.append(ch.get("text").asText());
        }
        assertThat(text.toString()).isEqualTo(choice.get("text").asText());
        assertThat(Http.parse(data.get(data.size() - 2))
                        .get("usage")
                        .get("completion_tokens")
                        .asInt())
                .isEqualTo(10);
        JsonNode fromTokens = http.post("/v1/completions", "{\"prompt\":[1, 403],\"max_tokens\":3,\"temperature\":0}")
                .json();
        assertThat(fromTokens.get("usage").get("prompt_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void modelsListAndGet() {
        JsonNode list = http.get("/v1/models").json();
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").get(0).get("id").asText()).isEqualTo("stories260K");
        assertThat(list.get("data").get(0).get("max_model_len").asInt()).isEqualTo(512);
        assertThat(http.get("/v1/models/stories260K").json().get("object").asText())
                .isEqualTo("model");
        Http.Response missing = http.get("/v1/models/gpt-4o");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").get("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        JsonNode tok =
                http.post("/tokenize", "{\"prompt\":\"Once upon a time\"}").json();
        assertThat(tok.get("count").asInt()).isEqualTo(tok.get("tokens").size()).isGreaterThan(1);
        assertThat(tok.get("tokens").get(0).asInt()).isEqualTo(1); // BOS
        JsonNode raw = http.post("/tokenize", "{\"prompt\":\"Once upon a time\",\"add_special_tokens\":false}")
                .json();
        assertThat(raw.get("count").asInt()).isEqualTo(tok.get("count").asInt() - 1);
        String text = http.post("/detokenize", "{\"tokens\":" + raw.get("tokens") + "}")
                .json()
                .get("prompt")
                .asText();
        assertThat(text.strip()).isEqualTo("Once upon a time");
    }

    @Test
    void healthAndMetricsExposeTheEngine() {
        assertThat(http.get("/health").status()).isEqualTo(200);
        http.post("/v1/chat/completions", chat(",\"max_tokens\":3,\"stream\":true"));
        http.stream("/v1/chat/completions", chat(",\"max_tokens\":3,\"stream\":true"));
        Http.Response m = http.get("/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body())
                .contains(
                        "fairway_http_requests_total{route=\"/v1/chat/completions\",status=\"200\"}",
                        "fairway_time_to_first_token_seconds_bucket",
                        "fairway_inter_token_latency_seconds_bucket",
                        "fairway_e2e_request_latency_seconds_count",
                        "fairway_prompt_tokens_total",
                        "fairway_generation_tokens_total",
                        "fairway_cached_prompt_tokens_total",
                        "fairway_requests_running",
                        "fairway_requests_waiting",
                        "fairway_kv_blocks{model=\"stories260K\",state=\"used\"}",
                        "fairway_kv_blocks{model=\"stories260K\",state=\"free\"}",
                        "fairway_kv_blocks{model=\"stories260K\",state=\"cached\"}",
                        "fairway_preemptions_total",
                        "fairway_prefix_cache_hit_tokens_total",
                        "fairway_fairness_index",
                        "fairway_user_tokens_total{kind=\"completion\",user=\"local\"}",
                        "fairway_user_served_tokens_total{user=\"local\"}");
    }
}
