package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A write the database refuses (injected with a trigger on the real file, from outside the server) makes the
 * request fail: never a 200 with nothing stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreFailureTest {
    private final Path db = TestGateway.tempDb();
    private Gateway gateway;
    private Http http;

    @BeforeAll
    void start() throws Exception {
        gateway = TestGateway.start(TestGateway.config(db));
        http = new Http(gateway.baseUrl());
        sql("CREATE TRIGGER poison_user BEFORE INSERT ON messages WHEN NEW.content = 'poison'"
                + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        sql("CREATE TRIGGER poison_reply BEFORE INSERT ON messages WHEN NEW.role = 'assistant'"
                + " AND NEW.conversation_id IN (SELECT id FROM conversations WHERE title = 'no replies')"
                + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private void sql(String statement) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
                var s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private String create(String title) {
        return http.post("/v1/conversations", "{\"title\":\"" + title + "\"}")
                .json()
                .get("id")
                .asText();
    }

    @Test
    void aUserMessageThatCannotBeStoredIsAnErrorForJsonAndStreamingClients() {
        String id = create("poisoned");
        for (boolean stream : new boolean[] {false, true}) {
            Http.Response r = http.post(
                    "/v1/conversations/" + id + "/messages",
                    "{\"content\":\"poison\",\"max_tokens\":4,\"stream\":" + stream + "}");
            assertThat(r.status()).as(r.body()).isEqualTo(500);
            JsonNode error = r.json().get("error");
            assertThat(error.get("type").asText()).isEqualTo("server_error");
            assertThat(error.get("code").asText()).isEqualTo("storage_error");
            assertThat(error.get("message").asText()).contains("could not be stored");
        }
        assertThat(http.get("/v1/conversations/" + id + "/messages").json().get("data"))
                .isEmpty();
        // the conversation and the server are fine for the next message
        Http.Response next =
                http.post("/v1/conversations/" + id + "/messages", "{\"content\":\"Once\",\"max_tokens\":3}");
        assertThat(next.status()).isEqualTo(200);
        assertThat(http.get("/v1/conversations/" + id + "/messages").json().get("data"))
                .hasSize(2);
    }

    @Test
    void aReplyThatCannotBeStoredEndsTheStreamWithAnErrorEvent() {
        String id = create("no replies");
        List<String> data = http.stream(
                "/v1/conversations/" + id + "/messages",
                "{\"content\":\"Once upon a time\",\"max_tokens\":6,\"stream\":true}");
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        JsonNode error = Http.parse(data.get(data.size() - 2)).get("error");
        assertThat(error.get("code").asText()).isEqualTo("storage_error");
        for (String d : data.subList(0, data.size() - 2)) { // tokens streamed, but no finish chunk: it did not end well
            for (JsonNode c : Http.parse(d).get("choices"))
                assertThat(c.get("finish_reason").isNull()).isTrue();
        }
        Http.Response json =
                http.post("/v1/conversations/" + id + "/messages", "{\"content\":\"Again\",\"max_tokens\":3}");
        assertThat(json.status()).isEqualTo(500);
        assertThat(json.json().get("error").get("code").asText()).isEqualTo("storage_error");
        JsonNode stored =
                http.get("/v1/conversations/" + id + "/messages").json().get("data");
        assertThat(stored).hasSize(2); // the two user messages, committed before anything streamed
        for (JsonNode m : stored) assertThat(m.get("role").asText()).isEqualTo("user");
    }
}
