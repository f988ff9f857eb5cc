package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.TestStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Stored conversations with two API-key users: CRUD, chat turns with history, isolation, paging, restarts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationsTest {
    private final TestStore store = newStore();
    private Gateway gateway;
    private Http alice;
    private Http bob;
    private String aliceKey;
    private String bobKey;

    @BeforeAll
    void start() throws Exception {
        aliceKey = store.addUser("alice");
        bobKey = store.addUser("bob");
        boot();
    }

    /** SQLite here; {@link ConversationsOnPostgresTest} runs every test on a shared PostgreSQL store. */
    TestStore newStore() {
        return TestStore.sqlite();
    }

    private void boot() {
        gateway = TestGateway.start(store.config());
        alice = new Http(gateway.baseUrl(), aliceKey);
        bob = new Http(gateway.baseUrl(), bobKey);
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private String create(Http who, String title) {
        Http.Response r =
                who.post("/v1/conversations", "{\"title\":\"" + title + "\",\"metadata\":{\"topic\":\"stories\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    @Test
    void createGetRenameDelete() {
        String id = create(alice, "First");
        assertThat(id).startsWith("conv_");
        JsonNode got = alice.get("/v1/conversations/" + id).json();
        assertThat(got.get("object").asText()).isEqualTo("conversation");
        assertThat(got.get("title").asText()).isEqualTo("First");
        assertThat(got.get("metadata").get("topic").asText()).isEqualTo("stories");
        assertThat(got.get("messages")).isEmpty();
        assertThat(alice.post("/v1/conversations/" + id, "{\"title\":\"Renamed\"}")
                        .json()
                        .get("title")
                        .asText())
                .isEqualTo("Renamed");
        assertThat(alice.method("PATCH", "/v1/conversations/" + id, "{\"title\":\"Patched\"}")
                        .json()
                        .get("title")
                        .asText())
                .isEqualTo("Patched");
        assertThat(alice.get("/v1/conversations/" + id).json().get("title").asText())
                .isEqualTo("Patched");
        JsonNode deleted = alice.delete("/v1/conversations/" + id).json();
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        assertThat(deleted.get("object").asText()).isEqualTo("conversation.deleted");
        Http.Response gone = alice.get("/v1/conversations/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("error").get("code").asText()).isEqualTo("conversation_not_found");
    }

    @Test
    void streamedReplyIsStoredAndBecomesHistory() {
        String id = create(alice, "Story");
        List<String> data = alice.stream(
                "/v1/conversations/" + id + "/messages",
                "{\"content\":\"Once upon a time\",\"stream\":true,\"temperature\":0,\"max_tokens\":12,\"stream_options\":{\"include_usage\":true}}");
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        StringBuilder streamed = new StringBuilder();
        int firstPrompt = 0;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = Http.parse(d);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            for (JsonNode c : chunk.get("choices"))
                streamed.append(c.get("delta").path("content").asText(""));
            if (chunk.get("usage").isObject())
                firstPrompt = chunk.get("usage").get("prompt_tokens").asInt();
        }
        assertThat(streamed.toString()).startsWith(TestGateway.STORY);
        JsonNode messages = alice.get("/v1/conversations/" + id).json().get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("Once upon a time");
        assertThat(messages.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(1).get("content").asText()).isEqualTo(streamed.toString());
        assertThat(messages.get(1).get("status").asText()).isEqualTo("completed");

        JsonNode second = alice.post(
                        "/v1/conversations/" + id + "/messages",
                        "{\"content\":\" She loved\",\"stream\":false,\"temperature\":0,\"max_tokens\":8}")
                .json();
        assertThat(second.get("object").asText()).isEqualTo("chat.completion");
        assertThat(second.get("usage").get("prompt_tokens").asInt()).isGreaterThan(firstPrompt + 12);
        assertThat(alice.get("/v1/conversations/" + id + "/messages").json().get("data"))
                .hasSize(4);
        JsonNode listed =
                alice.get("/v1/conversations?limit=1").json().get("data").get(0);
        assertThat(listed.get("id").asText()).isEqualTo(id);
        assertThat(listed.get("preview").asText())
                .isEqualTo(second.get("choices")
                        .get(0)
                        .get("message")
                        .get("content")
                        .asText());
    }

    @Test
    void jsonRepliesAreStored() throws Exception {
        String id = create(alice, "json");
        JsonNode reply = alice.post(
                        "/v1/conversations/" + id + "/messages",
                        "{\"content\":\"Once upon a time\",\"stream\":false,\"temperature\":1,\"max_tokens\":30,"
                                + "\"response_format\":{\"type\":\"json_object\"}}")
                .json();
        String text = reply.at("/choices/0/message/content").asText();
        assertThat(Http.parse(text).isObject()).as(text).isTrue();
        assertThat(alice.get("/v1/conversations/" + id + "/messages")
                        .json()
                        .at("/data/1/content")
                        .asText())
                .isEqualTo(text);
    }

    @Test
    void usersSeeOnlyTheirOwnConversations() {
        String id = create(alice, "Private");
        String path = "/v1/conversations/" + id;
        assertThat(bob.get(path).status()).isEqualTo(404);
        assertThat(bob.post(path, "{\"title\":\"mine now\"}").status()).isEqualTo(404);
        assertThat(bob.method("PATCH", path, "{\"title\":\"mine now\"}").status())
                .isEqualTo(404);
        assertThat(bob.delete(path).status()).isEqualTo(404);
        assertThat(bob.post(path + "/messages", "{\"content\":\"hi\",\"max_tokens\":2}")
                        .status())
                .isEqualTo(404);
        assertThat(bob.get(path + "/messages").status()).isEqualTo(404);
        JsonNode bobs = bob.get("/v1/conversations?limit=100").json().get("data");
        for (JsonNode c : bobs) assertThat(c.get("id").asText()).isNotEqualTo(id);
        assertThat(alice.get(path).json().get("title").asText()).isEqualTo("Private");
    }

    @Test
    void keysAreRequiredOnceUsersExist() {
        Http anonymous = new Http(gateway.baseUrl());
        Http.Response none = anonymous.get("/v1/models");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("error").get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(anonymous
                        .withKey("fw-wrong")
                        .post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")
                        .status())
                .isEqualTo(401);
        assertThat(alice.get("/v1/models").status()).isEqualTo(200);
        assertThat(anonymous.get("/health").status()).isEqualTo(200);
    }

    @Test
    void listIsNewestFirstAndPaginates() {
        Http carolLike = bob; // bob's list holds only what this test creates plus isolation leftovers: filter by title
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) created.add(create(carolLike, "page-" + i));
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            JsonNode page = carolLike
                    .get("/v1/conversations?limit=2" + (after == null ? "" : "&after=" + after))
                    .json();
            pages++;
            for (JsonNode c : page.get("data"))
                if (c.get("title").asText().startsWith("page-"))
                    seen.add(c.get("id").asText());
            assertThat(page.get("data").size()).isLessThanOrEqualTo(2);
            if (!page.get("has_more").asBoolean()) break;
            after = page.get("last_id").asText();
            assertThat(pages).isLessThan(20);
        }
        assertThat(seen).containsExactlyElementsOf(created.reversed());
        assertThat(carolLike.get("/v1/conversations?limit=0").status()).isEqualTo(400);
        assertThat(carolLike.get("/v1/conversations?after=conv_nope").status()).isEqualTo(400);
    }

    @Test
    void conversationsSurviveARestart() {
        String id = create(alice, "Durable");
        alice.post(
                "/v1/conversations/" + id + "/messages",
                "{\"content\":\"Once upon a time\",\"max_tokens\":6,\"temperature\":0}");
        JsonNode before = alice.get("/v1/conversations/" + id).json();
        gateway.close();
        boot();
        JsonNode after = alice.get("/v1/conversations/" + id).json();
        assertThat(after.get("title").asText()).isEqualTo("Durable");
        assertThat(after.get("messages")).isEqualTo(before.get("messages")).hasSize(2);
    }
}
