package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * truncation on POST /v1/conversations/{id}/messages, on stories260K (a 512-token context): a 40-turn chat with a
 * system prompt never fails, the oldest turns are left out and the answer says how many; "disabled" is a 400 then.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TruncationTest {
    private Gateway gateway;
    private Http http;

    @BeforeAll
    void start() {
        gateway = TestGateway.start();
        http = new Http(gateway.baseUrl());
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private String create() {
        Http.Response r =
                http.post("/v1/conversations", "{\"title\":\"long\",\"metadata\":{\"system\":\"You tell stories.\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    @Test
    void aFortyTurnChatNeverFailsAndTheOldestTurnsAreLeftOut() {
        String id = create();
        int firstTruncatedTurn = -1;
        int lastDropped = 0;
        for (int turn = 0; turn < 40; turn++) {
            // no max_tokens: the reply may use what the context has left; alternate streamed and plain answers
            boolean stream = turn % 2 == 0;
            String body = "{\"content\":\"Turn " + turn
                    + ": once upon a time there was a dog who liked to play in the park\","
                    + "\"temperature\":0.8,\"seed\":" + turn + ",\"stream\":" + stream + "}";
            Http.Response r = http.post("/v1/conversations/" + id + "/messages", body);
            assertThat(r.status()).as("turn " + turn + ": " + r.body()).isEqualTo(200);
            String dropped = r.header(Truncation.HEADER);
            assertThat(dropped).as("turn " + turn).isNotNull();
            lastDropped = Integer.parseInt(dropped);
            if (lastDropped > 0 && firstTruncatedTurn < 0) firstTruncatedTurn = turn;
            if (!stream) {
                JsonNode usage = r.json().get("usage");
                assertThat(usage.get("prompt_tokens").asInt()
                                + usage.get("completion_tokens").asInt())
                        .isLessThanOrEqualTo(512);
            } else {
                assertThat(r.body()).contains("[DONE]").doesNotContain("\"error\"");
            }
        }
        assertThat(firstTruncatedTurn).as("the history outgrew 512 tokens").isBetween(1, 39);
        assertThat(lastDropped).isGreaterThan(0).isEven(); // whole exchanges, so the prompt starts with a user message
        assertThat(http.get("/v1/conversations/" + id + "/messages").json().get("data"))
                .hasSize(80); // all stored
        // a given max_tokens larger than what is left is lowered, not refused
        Http.Response big =
                http.post("/v1/conversations/" + id + "/messages", "{\"content\":\"The end\",\"max_tokens\":512}");
        assertThat(big.status()).as(big.body()).isEqualTo(200);
        assertThat(Integer.parseInt(big.header(Truncation.HEADER))).isGreaterThan(0);
        // disabled: the whole history goes in, and it does not fit
        Http.Response whole = http.post(
                "/v1/conversations/" + id + "/messages", "{\"content\":\"More\",\"truncation\":\"disabled\"}");
        assertThat(whole.status()).as(whole.body()).isEqualTo(400);
        assertThat(whole.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(whole.header(Truncation.HEADER)).isNull();
        // the server still answers
        assertThat(http.get("/health").status()).isEqualTo(200);
        Http.Response fresh = http.post(
                "/v1/conversations/" + create() + "/messages", "{\"content\":\"Once upon a time\",\"max_tokens\":8}");
        assertThat(fresh.status()).isEqualTo(200);
        assertThat(fresh.header(Truncation.HEADER)).isEqualTo("0");
    }

    @Test
    void truncationMustBeAutoOrDisabled() {
        Http.Response r = http.post(
                "/v1/conversations/" + create() + "/messages", "{\"content\":\"Hi\",\"truncation\":\"sometimes\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").get("param").asText()).isEqualTo("truncation");
    }
}
