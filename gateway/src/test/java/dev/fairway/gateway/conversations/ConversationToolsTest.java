package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
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

/**
 * Tool calls in stored conversations, over real HTTP on stories260K: a turn offering tools stores the assistant's
 * tool_calls (with the ids the client was sent), the client posts the result as a {@code tool} turn, the next prompt
 * holds both (it equals the stateless chat completion given the same history), they are listed as messages and as
 * OpenAI items, and a restart keeps them. The model will not choose a tool by itself, so the turns force one
 * (tool_choice required or named), which the grammar turns into a valid call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry VALIDATORS =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final String WEATHER =
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":10},"
                    + "\"unit\":{\"enum\":[\"C\",\"F\"]}},\"required\":[\"city\",\"unit\"],"
                    + "\"additionalProperties\":false}";

    private final TestStore store = newStore();
    private Gateway gateway;
    private Http alice;
    private String aliceKey;

    /** SQLite here; {@link ConversationToolsOnPostgresTest} runs every test on a PostgreSQL store. */
    TestStore newStore() {
        return TestStore.sqlite();
    }

    @BeforeAll
    void start() throws Exception {
        aliceKey = store.addUser("alice");
        boot();
    }

    private void boot() {
        gateway = TestGateway.start(store.config());
        alice = new Http(gateway.baseUrl(), aliceKey);
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private String create() {
        Http.Response r = alice.post("/v1/conversations", "{\"title\":\"tools\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    private static ArrayNode tools() throws Exception {
        ArrayNode tools = JSON.createArrayNode();
        ObjectNode f = tools.addObject().put("type", "function").putObject("function");
        f.put("name", "get_weather"); // short: stories260K's context is 512 tokens
        f.set("parameters", JSON.readTree(WEATHER));
        return tools;
    }

    private static ObjectNode turn(String content, Object toolChoice) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("content", content).put("temperature", 0);
        body.put("parallel_tool_calls", false);
        body.set("tools", tools());
        if (toolChoice != null) body.set("tool_choice", JSON.valueToTree(toolChoice));
        return body;
    }

    private static ObjectNode toolResult(String callId, String content) throws Exception {
        ObjectNode body = turn(content, null).put("role", "tool").put("tool_call_id", callId);
        return body.put("max_tokens", 4);
    }

    private JsonNode post(String id, ObjectNode body) {
        Http.Response r = alice.post("/v1/conversations/" + id + "/messages", body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private JsonNode chat(ObjectNode body) {
        Http.Response r = alice.post("/v1/chat/completions", body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private JsonNode messages(String id) {
        return alice.get("/v1/conversations/" + id + "/messages").json().get("data");
    }

    private static void assertValidWeatherCall(JsonNode call) throws Exception {
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        String arguments = call.at("/function/arguments").asText();
        assertThat(VALIDATORS.getSchema(JSON.readTree(WEATHER)).validate(JSON.readTree(arguments)))
                .as(arguments)
                .isEmpty();
    }

    @Test
    void aToolCallAndItsResultAreStoredReplayedListedAndSurviveARestart() throws Exception {
        String id = create();
        JsonNode first = post(id, turn("What is the weather in Oslo?", "required"));
        assertThat(first.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = first.at("/choices/0/message/tool_calls/0");
        assertValidWeatherCall(call);
        String callId = call.get("id").asText();

        JsonNode stored = messages(id);
        assertThat(stored).hasSize(2);
        assertThat(stored.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(stored.get(1).get("tool_calls")).isEqualTo(first.at("/choices/0/message/tool_calls"));

        JsonNode second = post(id, toolResult(callId, "Sunny, 21 degrees"));
        String reply = second.at("/choices/0/message/content").asText();
        assertThat(second.at("/choices/0/finish_reason").asText()).isNotEqualTo("tool_calls");

        // the turn's prompt is the whole history: the same as a stateless chat completion sent it explicitly
        ObjectNode chat = JSON.createObjectNode().put("temperature", 0).put("max_tokens", 4);
        chat.set("tools", tools());
        ArrayNode history = chat.putArray("messages");
        history.addObject().put("role", "user").put("content", "What is the weather in Oslo?");
        ObjectNode assistant = history.addObject().put("role", "assistant").putNull("content");
        assistant.set("tool_calls", first.at("/choices/0/message/tool_calls"));
        history.addObject().put("role", "tool").put("tool_call_id", callId).put("content", "Sunny, 21 degrees");
        JsonNode stateless = chat(chat);
        assertThat(second.at("/usage/prompt_tokens").asInt())
                .isEqualTo(stateless.at("/usage/prompt_tokens").asInt());
        assertThat(reply).isEqualTo(stateless.at("/choices/0/message/content").asText());

        stored = messages(id);
        assertThat(stored).hasSize(4);
        assertThat(stored.get(2).get("role").asText()).isEqualTo("tool");
        assertThat(stored.get(2).get("tool_call_id").asText()).isEqualTo(callId);
        assertThat(stored.get(2).get("content").asText()).isEqualTo("Sunny, 21 degrees");
        assertThat(stored.get(3).get("content").asText()).isEqualTo(reply);

        JsonNode items =
                alice.get("/v1/conversations/" + id + "/items?order=asc").json().get("data");
        List<String> types = new ArrayList<>();
        for (JsonNode item : items) types.add(item.get("type").asText());
        assertThat(types).containsExactly("message", "function_call", "function_call_output", "message");
        assertThat(items.get(1).get("call_id").asText()).isEqualTo(callId);
        assertThat(items.get(1).get("name").asText()).isEqualTo("get_weather");
        assertThat(items.get(1).get("arguments").asText())
                .isEqualTo(call.at("/function/arguments").asText());
        assertThat(items.get(2).get("call_id").asText()).isEqualTo(callId);
        assertThat(items.get(2).get("output").asText()).isEqualTo("Sunny, 21 degrees");
        JsonNode one = alice.get("/v1/conversations/" + id + "/items/"
                        + items.get(1).get("id").asText())
                .json();
        assertThat(one).isEqualTo(items.get(1));

        gateway.close();
        boot();
        assertThat(messages(id)).isEqualTo(stored);
        assertThat(alice.get("/v1/conversations/" + id + "/items?order=asc")
                        .json()
                        .get("data"))
                .isEqualTo(items);
    }

    @Test
    void aStreamedTurnStoresTheCallsWithTheIdsTheClientWasSent() throws Exception {
        String id = create();
        ObjectNode body = turn(
                        "Weather?", JSON.readTree("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"))
                .put("stream", true);
        List<String> streamedIds = new ArrayList<>();
        List<StringBuilder> arguments = new ArrayList<>();
        String finish = null;
        List<String> data = alice.stream("/v1/conversations/" + id + "/messages", body.toString());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode choice = Http.parse(d).at("/choices/0");
            if (choice.hasNonNull("finish_reason"))
                finish = choice.get("finish_reason").asText();
            for (JsonNode delta : choice.path("delta").path("tool_calls")) {
                int index = delta.get("index").asInt();
                if (delta.has("id")) {
                    assertThat(index).isEqualTo(streamedIds.size());
                    streamedIds.add(delta.get("id").asText());
                    arguments.add(new StringBuilder());
                }
                arguments.get(index).append(delta.at("/function/arguments").asText(""));
            }
        }
        assertThat(finish).isEqualTo("tool_calls");
        JsonNode calls = messages(id).get(1).get("tool_calls");
        assertThat(calls).hasSize(streamedIds.size()).isNotEmpty();
        for (int i = 0; i < calls.size(); i++) {
            assertThat(calls.get(i).get("id").asText()).isEqualTo(streamedIds.get(i));
            assertThat(calls.get(i).at("/function/arguments").asText())
                    .isEqualTo(arguments.get(i).toString());
            assertValidWeatherCall(calls.get(i));
        }
    }

    @Test
    void callsAndResultsAddedAsItemsAreReplayedIntoTheNextTurn() throws Exception {
        String id = create();
        String items = "{\"items\":["
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":\"Weather in Rome and Oslo?\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_a\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Rome\\\",\\\"unit\\\":\\\"C\\\"}\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_b\",\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\",\\\"unit\\\":\\\"C\\\"}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_a\",\"output\":\"hot\"}]}";
        Http.Response added = alice.post("/v1/conversations/" + id + "/items", items);
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        List<String> types = new ArrayList<>();
        for (JsonNode item : added.json().get("data"))
            types.add(item.get("type").asText());
        assertThat(types).containsExactly("message", "function_call", "function_call", "function_call_output");
        // the two calls are one assistant message, as a model makes parallel calls
        JsonNode stored = messages(id);
        assertThat(stored).hasSize(3);
        assertThat(stored.get(1).get("tool_calls")).hasSize(2);
        // the message's second call is its own item, found and paged past by its id
        String messageId = stored.get(1).get("id").asText();
        JsonNode data = added.json().get("data");
        assertThat(data.get(1).get("id").asText()).isEqualTo(messageId);
        assertThat(data.get(2).get("id").asText()).isEqualTo(messageId + "_1");
        String itemsPath = "/v1/conversations/" + id + "/items";
        assertThat(alice.get(itemsPath + "/" + messageId + "_1")
                        .json()
                        .get("call_id")
                        .asText())
                .isEqualTo("call_b");
        JsonNode next = alice.get(itemsPath + "?order=asc&limit=1&after=" + messageId + "_1")
                .json();
        assertThat(next.at("/data/0/type").asText()).isEqualTo("function_call_output");
        assertThat(next.at("/data/0/call_id").asText()).isEqualTo("call_a");
        assertThat(alice.get(itemsPath + "/" + messageId + "_2").status()).isEqualTo(404);

        JsonNode reply = post(id, toolResult("call_b", "cold"));
        ObjectNode chat = JSON.createObjectNode().put("temperature", 0).put("max_tokens", 4);
        chat.set("tools", tools());
        ArrayNode history = chat.putArray("messages");
        history.addObject().put("role", "user").put("content", "Weather in Rome and Oslo?");
        history.addObject()
                .put("role", "assistant")
                .put("content", "")
                .set("tool_calls", stored.get(1).get("tool_calls"));
        history.addObject().put("role", "tool").put("tool_call_id", "call_a").put("content", "hot");
        history.addObject().put("role", "tool").put("tool_call_id", "call_b").put("content", "cold");
        JsonNode stateless = chat(chat);
        assertThat(reply.at("/usage/prompt_tokens").asInt())
                .isEqualTo(stateless.at("/usage/prompt_tokens").asInt());
        assertThat(reply.at("/choices/0/message/content").asText())
                .isEqualTo(stateless.at("/choices/0/message/content").asText());
    }

    @Test
    void badToolResultsAreRefusedNamingTheField() throws Exception {
        String id = create();
        String callId = post(id, turn("Weather?", "required"))
                .at("/choices/0/message/tool_calls/0/id")
                .asText();
        assertRefused(id, toolResult("call_unknown", "x"), "tool_call_id");
        ObjectNode noId = toolResult(callId, "x");
        noId.remove("tool_call_id");
        assertRefused(id, noId, "tool_call_id");
        assertRefused(id, turn("hi", null).put("role", "robot"), "role");
        assertRefused(id, turn("hi", null).put("tool_call_id", callId), "tool_call_id");
        assertRefused(id, turn("hi", "required").put("tool_choice", "sometimes"), "tool_choice");
        post(id, toolResult(callId, "rain"));
        assertRefused(id, toolResult(callId, "rain again"), "tool_call_id");
        assertThat(messages(id)).hasSize(4); // refused turns store nothing
    }

    private void assertRefused(String id, ObjectNode body, String param) {
        Http.Response r = alice.post("/v1/conversations/" + id + "/messages", body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).as(r.body()).isEqualTo(param);
    }
}
