package dev.fairway.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chat request validator on its own: what a valid body becomes, and which field a bad one is blamed on. */
class ChatRequestParserTest {
    private static final int VOCAB = 512;

    private static ObjectNode body(String json) {
        return (ObjectNode) Json.parseObject(io.vertx.core.buffer.Buffer.buffer(json));
    }

    private static GenerationSpec parse(String json) {
        return ChatRequestParser.parse(body(json), VOCAB);
    }

    private static ApiError refused(String json) {
        try {
            parse(json);
        } catch (ApiError e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void aFullBodyBecomesTheEngineRequest() {
        GenerationSpec spec = parse("""
                {"model":"m","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":[
                 {"type":"text","text":"Once"},{"type":"text","text":"upon"}]},{"role":"assistant","content":"a"}],
                 "temperature":0.5,"top_p":0.9,"top_k":40,"max_tokens":12,"stop":["."],"seed":7,"n":2,
                 "logprobs":true,"top_logprobs":3,"stream":true,"stream_options":{"include_usage":true},"user":"u1",
                 "logit_bias":{"5":-100}}""");
        List<ChatMessage> messages = ((Prompt.Chat) spec.prompt()).messages();
        assertThat(messages)
                .containsExactly(
                        new ChatMessage(ChatMessage.Role.SYSTEM, "Be brief."),
                        new ChatMessage(ChatMessage.Role.USER, "Once\nupon"),
                        new ChatMessage(ChatMessage.Role.ASSISTANT, "a"));
        SamplingParams p = spec.params();
        assertThat(p.temperature()).isEqualTo(0.5f);
        assertThat(p.topP()).isEqualTo(0.9f);
        assertThat(p.topK()).isEqualTo(40);
        assertThat(p.maxTokens()).isEqualTo(12);
        assertThat(p.stop()).containsExactly(".");
        assertThat(p.seed()).isEqualTo(7L);
        assertThat(p.logprobs()).isTrue();
        assertThat(p.topLogprobs()).isEqualTo(3);
        assertThat(p.logitBias()).containsEntry(5, -100f);
        assertThat(spec.n()).isEqualTo(2);
        assertThat(spec.stream()).isTrue();
        assertThat(spec.includeUsage()).isTrue();
        assertThat(spec.maxTokensGiven()).isTrue();
        assertThat(spec.endUser()).isEqualTo("u1");
    }

    @Test
    void withoutMaxTokensTheContextDecidesLater() {
        GenerationSpec spec = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(spec.maxTokensGiven()).isFalse();
        assertThat(spec.stream()).isFalse();
        assertThat(spec.includeUsage()).isFalse();
        assertThat(spec.n()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no messages                 | {}                                                                     | messages",
                "messages not an array       | {\"messages\":\"hi\"}                                                   | messages",
                "empty messages              | {\"messages\":[]}                                                       | messages",
                "role missing                | {\"messages\":[{\"content\":\"a\"}]}                                    | messages[0].role",
                "unknown role                | {\"messages\":[{\"role\":\"robot\",\"content\":\"a\"}]}                 | messages[0].role",
                "content missing             | {\"messages\":[{\"role\":\"user\"}]}                                    | messages[0].content",
                "image part                  | {\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]} | messages[0].content[0].type",
                "unknown message field       | {\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"x\":1}]}          | messages[0].x",
                "temperature too high        | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":9} | temperature",
                "top_logprobs alone          | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"top_logprobs\":2} | top_logprobs",
                "stream_options, no stream   | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"stream_options\":{\"include_usage\":true}} | stream_options",
                "unknown top-level field     | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"frobnicate\":1}  | frobnicate",
                "web search                  | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"web_search_options\":{}}    | web_search_options",
                "logit_bias outside vocab    | {\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"logit_bias\":{\"99999\":1}} | logit_bias",
            })
    void badBodiesAreBlamedOnTheRightField(String what, String json, String param) {
        ApiError e = refused(json);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.param()).as(what + ": " + e.getMessage()).isEqualTo(param);
        assertThat(e.getMessage()).isNotBlank();
    }

    @Test
    void toolHistoryIsRead() {
        var spec = ChatRequestParser.parse(
                (com.fasterxml.jackson.databind.node.ObjectNode) dev.fairway.gateway.Http.parse("{\"messages\":["
                        + "{\"role\":\"user\",\"content\":\"t?\"},"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"time\",\"arguments\":\"{}\"}}]},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"noon\"}]}"),
                1000);
        var messages = ((dev.fairway.engine.Prompt.Chat) spec.prompt()).messages();
        assertThat(messages.get(1).toolCalls()).hasSize(1);
        assertThat(messages.get(1).toolCalls().get(0).name()).isEqualTo("time");
        assertThat(messages.get(2).role()).isEqualTo(ChatMessage.Role.TOOL);
        assertThat(messages.get(2).toolCallId()).isEqualTo("c1");
    }
}
