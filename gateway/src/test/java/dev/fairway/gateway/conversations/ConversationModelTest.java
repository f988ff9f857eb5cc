package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.models.ModelsConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A conversation remembers its model: its turns run on the model it was created with or last set to, switching the
 * model mid-conversation sends the whole history to the new model (the reply is the new model's greedy reply to that
 * history, as /v1/chat/completions gives it), and unknown models are refused in the API's error format.
 */
class ConversationModelTest {
    static final String F32 = TestGateway.modelPath();
    static final String JQ4 =
            TestGateway.shared().resolve("models/stories260K-JQ4").toString();

    private final Path db = TestGateway.tempDb();
    private Gateway gateway;
    private Http http;

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private void start(String... models) {
        if (gateway != null) gateway.close();
        gateway = Gateway.start(
                        TestGateway.config(db), ModelsConfig.of(List.of(models), 0, null, Duration.ZERO), System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
    }

    private JsonNode turn(String id, String body) {
        Http.Response r = http.post("/v1/conversations/" + id + "/messages", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** What the chat endpoint answers for the conversation's messages (and one more user message) on a model. */
    private JsonNode chat(String model, String id, String next) {
        ObjectNode body = Http.JSON
                .createObjectNode()
                .put("model", model)
                .put("temperature", 0)
                .put("max_tokens", 12);
        ArrayNode messages = body.putArray("messages");
        for (JsonNode m : http.get("/v1/conversations/" + id).json().get("messages"))
            messages.addObject()
                    .put("role", m.get("role").asText())
                    .put("content", m.get("content").asText());
        messages.addObject().put("role", "user").put("content", next);
        Http.Response r = http.post("/v1/chat/completions", body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String text(JsonNode completion) {
        return completion.get("choices").get(0).get("message").get("content").asText();
    }

    @Test
    void turnsUseTheConversationsModelAndASwitchReplaysTheHistoryOnTheNewModel() {
        start(F32, "jq4=" + JQ4);
        String id = http.post(
                        "/v1/conversations",
                        "{\"metadata\":{\"model\":\"jq4\",\"temperature\":\"0\",\"max_tokens\":\"12\"}}")
                .json()
                .get("id")
                .asText();

        JsonNode expected = chat("jq4", id, "Once upon a time");
        JsonNode first = turn(id, "{\"content\":\"Once upon a time\"}");
        assertThat(first.get("model").asText()).isEqualTo("jq4");
        assertThat(text(first)).isEqualTo(text(expected));

        // switched to the default model: the whole history is prefilled on it
        Http.Response set = http.method(
                "PATCH",
                "/v1/conversations/" + id,
                "{\"metadata\":{\"model\":\"stories260K\",\"temperature\":\"0\",\"max_tokens\":\"12\"}}");
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        JsonNode onF32 = chat("stories260K", id, "The dog ran");
        JsonNode second = turn(id, "{\"content\":\"The dog ran\"}");
        assertThat(second.get("model").asText()).isEqualTo("stories260K");
        assertThat(text(second)).isEqualTo(text(onF32));
        assertThat(second.get("usage").get("prompt_tokens").asInt())
                .isEqualTo(onF32.get("usage").get("prompt_tokens").asInt())
                .isGreaterThan(first.get("usage").get("prompt_tokens").asInt()
                        + first.get("usage").get("completion_tokens").asInt());

        // a turn may name another model for itself; the conversation keeps its own
        JsonNode once = turn(id, "{\"content\":\"Then\",\"model\":\"jq4\"}");
        assertThat(once.get("model").asText()).isEqualTo("jq4");
        assertThat(turn(id, "{\"content\":\"And\"}").get("model").asText()).isEqualTo("stories260K");
        assertThat(http.get("/v1/conversations/" + id)
                        .json()
                        .get("metadata")
                        .get("model")
                        .asText())
                .isEqualTo("stories260K");
    }

    /** The stream's headers go out while the model loads; the turn must not try to add one afterwards. */
    @Test
    void aStreamedTurnOnAModelThatMustLoadFirstIsAnswered() throws Exception {
        CountDownLatch headersSeen = new CountDownLatch(1);
        gateway = Gateway.start(
                        TestGateway.config(db),
                        ModelsConfig.of(List.of(F32, "jq4=" + JQ4), 0, null, Duration.ZERO),
                        System.out,
                        c -> {
                            if (c.model().equals(JQ4)) await(headersSeen); // the headers go first on any machine
                            return Engine.open(c);
                        })
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        http = new Http(gateway.baseUrl());
        String id = http.post("/v1/conversations", "{\"metadata\":{\"model\":\"jq4\",\"max_tokens\":\"8\"}}")
                .json()
                .get("id")
                .asText();
        List<String> lines;
        try {
            lines = rawStream(
                    "/v1/conversations/" + id + "/messages", "{\"content\":\"Once\",\"stream\":true}", headersSeen);
        } finally {
            headersSeen.countDown();
        }
        assertThat(lines.getFirst()).isEqualTo(": loading model jq4");
        assertThat(lines.getLast()).isEqualTo("data: [DONE]");
        assertThat(lines.get(1)).contains("\"model\":\"jq4\"");
        assertThat(http.get("/v1/conversations/" + id).json().get("messages")).hasSize(2);
    }

    /** The non-empty lines of a stream; {@code headersSeen} is counted down once its headers are in. */
    private List<String> rawStream(String path, String body, CountDownLatch headersSeen) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = HttpClient.newHttpClient()
                .sendAsync(
                        HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofLines())
                .get(60, TimeUnit.SECONDS);
        headersSeen.countDown();
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().filter(l -> !l.isEmpty()).toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void unknownModelsAreRefusedAndAModelNoLongerServedFallsBackToTheDefault() {
        start(F32, "jq4=" + JQ4);
        Http.Response created = http.post("/v1/conversations", "{\"metadata\":{\"model\":\"gpt-4\"}}");
        assertThat(created.status()).isEqualTo(400);
        JsonNode error = created.json().get("error");
        assertThat(error.get("param").asText()).isEqualTo("metadata.model");
        assertThat(error.get("code").asText()).isEqualTo("model_not_found");
        assertThat(error.get("message").asText()).contains("gpt-4", "stories260K", "jq4");

        String id = http.post("/v1/conversations", "{\"metadata\":{\"model\":\"jq4\",\"max_tokens\":\"4\"}}")
                .json()
                .get("id")
                .asText();
        Http.Response named =
                http.post("/v1/conversations/" + id + "/messages", "{\"content\":\"x\",\"model\":\"gpt-4\"}");
        assertThat(named.status()).isEqualTo(404);
        assertThat(named.json().get("error").get("code").asText()).isEqualTo("model_not_found");
        assertThat(named.json().get("error").get("param").asText()).isEqualTo("model");
        assertThat(turn(id, "{\"content\":\"Once\"}").get("model").asText()).isEqualTo("jq4");

        // the same database, a server without jq4: the conversation still works, on the default model
        start(F32);
        assertThat(turn(id, "{\"content\":\"Once upon a time\"}").get("model").asText())
                .isEqualTo("stories260K");
    }
}
