package dev.fairway.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.UserAdmin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server side of the web chat, without a browser: the page and its assets (CSP, types, caching, --no-ui), the
 * open server's X-Fairway-User, conversation settings in metadata (checked, used as turn defaults, the system
 * prompt sent to the model first), regenerate, and the title filter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private Gateway gateway;
    private String base;

    @BeforeAll
    void start() {
        gateway = TestGateway.start(TestGateway.config(TestGateway.tempDb()));
        base = gateway.baseUrl();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private static HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (headers.length > 0) b.headers(headers);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private UserApi as(String user) {
        return UserApi.named(base, user);
    }

    private static String create(UserApi api, String json) {
        UserApi.Response r = api.post("/v1/conversations", json);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    // ---- the page

    @Test
    void thePageAndItsAssetsComeFromTheServerUnderAStrictCsp() throws Exception {
        HttpResponse<String> page = get(base + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains(
                        "default-src 'self'",
                        "script-src 'self'",
                        "style-src 'self'",
                        "connect-src 'self'",
                        "object-src 'none'",
                        "frame-ancestors 'none'",
                        "require-trusted-types-for 'script'");
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        // no inline script or style, nothing from elsewhere
        assertThat(page.body())
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)")
                .doesNotContain("<style", " style=")
                .doesNotContainPattern("(src|href)=\"(https?:)?//");
        for (String f : WebUi.OWN_FILES) {
            if (f.equals("index.html")) continue;
            HttpResponse<String> r = get(base + "/assets/" + f);
            assertThat(r.statusCode()).as(f).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow())
                    .as(f)
                    .isEqualTo(WebUi.contentType(f));
            assertThat(r.headers().firstValue("Content-Security-Policy")).as(f).contains(WebUi.CSP);
            // no URL of another host in any of them (an SVG's xmlns is a name, never fetched)
            assertThat(r.body().replace("xmlns=\"http://www.w3.org/2000/svg\"", ""))
                    .as(f)
                    .doesNotContain("http://", "https://", "//cdn");
        }
        for (String v : List.of("marked.js", "purify.js", "highlight.js")) {
            HttpResponse<String> r = get(base + "/assets/vendor/" + v);
            assertThat(r.statusCode()).as(v).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
            assertThat(r.body().length()).as(v).isGreaterThan(10_000);
            assertThat(r.body()).doesNotContain("sourceMappingURL");
        }
    }

    @Test
    void everyFileOfTheWebrootIsServed() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/webroot"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrderElementsOf(WebUi.OWN_FILES);
        }
    }

    @Test
    void assetsRevalidateWithTheirEtag() throws Exception {
        HttpResponse<String> first = get(base + "/assets/app.js");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(first.headers().firstValue("Cache-Control")).contains("no-cache");
        HttpResponse<String> again = get(base + "/assets/app.js", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<Void> head = CLIENT.send(
                HttpRequest.newBuilder(URI.create(base + "/"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(get(base + "/assets/nope.js").statusCode()).isEqualTo(404);
        assertThat(get(base + "/assets/vendor/../app.js").statusCode())
                .isIn(200, 404); // normalized or refused, never a file read
    }

    /** The open server's Host/Origin guard covers the page too: a rebinding name or another site's page gets 403. */
    @Test
    void thePageIsForLocalClientsOnlyOnAnOpenServer() throws Exception {
        assertThat(raw("GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 403")
                .contains("forbidden_host");
        String body = "{\"title\":\"x\"}";
        assertThat(raw("POST /v1/conversations HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
                        + "\r\nOrigin: https://evil.example\r\n"
                        + "X-Fairway-User: dora\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body))
                .startsWith("HTTP/1.1 403")
                .contains("forbidden_origin");
        // the page's own origin is welcome
        assertThat(raw("POST /v1/conversations HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
                        + "\r\nOrigin: http://127.0.0.1:" + gateway.port()
                        + "\r\nX-Fairway-User: dora\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body))
                .startsWith("HTTP/1.1 200");
    }

    private String raw(String request) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void noUiServesNoPage() throws Exception {
        try (Gateway api =
                TestGateway.start(TestGateway.config(TestGateway.tempDb()).withUi(false))) {
            HttpResponse<String> page = get(api.baseUrl() + "/");
            assertThat(page.statusCode()).isEqualTo(404);
            assertThat(Http.parse(page.body()).get("error").get("code").asText())
                    .isEqualTo("unknown_url");
            assertThat(get(api.baseUrl() + "/assets/app.js").statusCode()).isEqualTo(404);
            assertThat(get(api.baseUrl() + "/v1/models").statusCode()).isEqualTo(200);
        }
    }

    // ---- X-Fairway-User

    @Test
    void anOpenServerTakesTheCallersNameFromXFairwayUser() {
        String dora = create(as("dora"), "{\"title\":\"dora's\"}");
        String local = create(UserApi.named(base, null), "{\"title\":\"nobody's\"}");
        assertThat(as("dora").get("/v1/conversations/" + dora).status()).isEqualTo(200);
        assertThat(as("eve").get("/v1/conversations/" + dora).status()).isEqualTo(404);
        assertThat(UserApi.named(base, null).get("/v1/conversations/" + dora).status())
                .isEqualTo(404);
        // absent and "local" are the same caller
        assertThat(as("local").get("/v1/conversations/" + local).status()).isEqualTo(200);
        assertThat(as("dora").get("/v1/conversations/" + local).status()).isEqualTo(404);
        List<String> listed = ids(as("dora").get("/v1/conversations?limit=100").json());
        assertThat(listed).contains(dora).doesNotContain(local);

        for (String bad : List.of("bad name", "-dash-first", "a".repeat(65), "semi;colon", "ümlaut")) {
            UserApi.Response r = as(bad).get("/v1/conversations");
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("invalid_user_name");
        }
    }

    @Test
    void withUsersTheHeaderIsIgnoredAndKeysDecide() throws Exception {
        Path db = TestGateway.tempDb();
        try (Gateway keyed = TestGateway.start(TestGateway.config(db))) {
            String key = new UserAdmin(Database.dataSource(db)).add("frank");
            UserApi.Response none = UserApi.named(keyed.baseUrl(), "frank").get("/v1/conversations");
            assertThat(none.status()).isEqualTo(401);
            UserApi keyedAsOther = UserApi.of(keyed.baseUrl(), "mallory", key);
            String id = create(keyedAsOther, "{\"title\":\"franks\"}");
            assertThat(UserApi.keyed(keyed.baseUrl(), key)
                            .get("/v1/conversations/" + id)
                            .status())
                    .isEqualTo(200);
            // a bad name in the header is not even looked at
            assertThat(UserApi.of(keyed.baseUrl(), "bad name", key)
                            .get("/v1/conversations")
                            .status())
                    .isEqualTo(200);
        }
    }

    private static List<String> ids(JsonNode list) {
        return java.util.stream.StreamSupport.stream(list.get("data").spliterator(), false)
                .map(c -> c.get("id").asText())
                .toList();
    }

    // ---- settings in metadata

    @Test
    void settingsInMetadataAreCheckedWhenWritten() {
        UserApi api = as("gina");
        for (String bad : List.of(
                "{\"temperature\":\"hot\"}",
                "{\"temperature\":\"3\"}",
                "{\"top_p\":\"0\"}",
                "{\"max_tokens\":\"1.5\"}",
                "{\"top_k\":\"-5\"}",
                "{\"seed\":\"x\"}",
                "{\"max_tokens\":\"0\"}")) {
            UserApi.Response r = api.post("/v1/conversations", "{\"metadata\":" + bad + "}");
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").get("param").asText()).as(bad).startsWith("metadata.");
        }
        String id = create(api, "{\"metadata\":{\"temperature\":\"0.5\",\"seed\":\"\",\"other\":\"kept\"}}");
        UserApi.Response patched = api.patch("/v1/conversations/" + id, "{\"metadata\":{\"top_p\":\"nope\"}}");
        assertThat(patched.status()).isEqualTo(400);
        assertThat(api.conversation(id).get("metadata").get("temperature").asText())
                .isEqualTo("0.5");
    }

    @Test
    void aTurnUsesTheConversationsSettingsUnlessItsBodySaysOtherwise() {
        UserApi api = as("hank");
        String id = create(api, "{\"metadata\":{\"temperature\":\"0\",\"max_tokens\":\"12\"}}");
        JsonNode turn = api.post(
                        "/v1/conversations/" + id + "/messages",
                        "{\"content\":\"Once upon a time\",\"ignore_eos\":true}")
                .json();
        assertThat(turn.get("usage").get("completion_tokens").asInt()).isEqualTo(12);
        // greedy, as the chat endpoint with the same settings says
        JsonNode chat = new Http(base)
                .post(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
                                + "\"temperature\":0,\"max_tokens\":12,\"ignore_eos\":true}")
                .json();
        assertThat(turn.get("choices").get(0).get("message").get("content").asText())
                .isEqualTo(
                        chat.get("choices").get(0).get("message").get("content").asText());
        // the body wins
        JsonNode own = api.post(
                        "/v1/conversations/" + id + "/messages",
                        "{\"content\":\"More\",\"max_tokens\":3,\"ignore_eos\":true}")
                .json();
        assertThat(own.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
        // a model the server does not serve is refused, set on the conversation or named in the turn's own body (a
        // remembered model the server stopped serving falls back to the default: ConversationModelTest)
        UserApi.Response unknown = api.patch("/v1/conversations/" + id, "{\"metadata\":{\"model\":\"no-such-model\"}}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").get("param").asText()).isEqualTo("metadata.model");
        assertThat(api.post("/v1/conversations/" + id + "/messages", "{\"content\":\"x\",\"max_tokens\":2}")
                        .status())
                .isEqualTo(200);
        assertThat(api.post("/v1/conversations/" + id + "/messages", "{\"content\":\"x\",\"model\":\"no-such-model\"}")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void theSystemPromptReachesTheModelAheadOfTheHistory() throws Exception {
        // stories260K's own template drops system messages: a copy whose template renders them shows what is sent
        Path model = Files.createTempDirectory("stories-with-system");
        Path original = Path.of(TestGateway.modelPath());
        try (Stream<Path> files = Files.list(original)) {
            for (Path f : files.toList()) Files.copy(f, model.resolve(f.getFileName()));
        }
        ObjectNode tc = (ObjectNode) Http.parse(Files.readString(model.resolve("tokenizer_config.json")));
        tc.put(
                "chat_template",
                "{% for message in messages %}{% if message['role'] == 'system' %}{{ '[' + message['content'] + '] ' }}"
                        + "{% elif message['role'] == 'user' %}{{ message['content'] }}{% elif message['role'] == 'assistant' %}"
                        + "{{ message['content'] + eos_token }}{% endif %}{% endfor %}");
        Files.writeString(model.resolve("tokenizer_config.json"), tc.toString());
        var config = TestGateway.config(TestGateway.tempDb());
        config = new dev.fairway.gateway.GatewayConfig(
                model.toString(),
                config.host(),
                0,
                config.database(),
                config.maxBodyBytes(),
                dev.fairway.engine.EngineConfig.builder()
                        .model(model.toString())
                        .kvCacheMb(32)
                        .threads(2)
                        .build(),
                config.headerTimeoutSeconds(),
                config.idleTimeoutSeconds(),
                config.metricsHost(),
                config.metricsPort(),
                false);
        try (Gateway g = TestGateway.start(config)) {
            UserApi api = UserApi.named(g.baseUrl(), "ivy");
            String system = "The little dog was sad.";
            String with = create(api, "{\"metadata\":{\"system\":\"" + system + "\",\"max_tokens\":\"1\"}}");
            String without = create(api, "{\"metadata\":{\"max_tokens\":\"1\"}}");
            int withTokens = api.post("/v1/conversations/" + with + "/messages", "{\"content\":\"Once upon a time\"}")
                    .json()
                    .get("usage")
                    .get("prompt_tokens")
                    .asInt();
            int withoutTokens = api.post(
                            "/v1/conversations/" + without + "/messages", "{\"content\":\"Once upon a time\"}")
                    .json()
                    .get("usage")
                    .get("prompt_tokens")
                    .asInt();
            // exactly what a chat completion with the system message first is charged
            int expected = new Http(g.baseUrl())
                    .post(
                            "/v1/chat/completions",
                            "{\"messages\":[{\"role\":\"system\",\"content\":\"" + system
                                    + "\"},{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":1}")
                    .json()
                    .get("usage")
                    .get("prompt_tokens")
                    .asInt();
            assertThat(withTokens).isEqualTo(expected).isGreaterThan(withoutTokens + 4);
            // and stays first on later turns; the stored history has no system message
            JsonNode second = api.post("/v1/conversations/" + with + "/messages", "{\"content\":\"The end\"}")
                    .json();
            assertThat(second.get("usage").get("prompt_tokens").asInt()).isGreaterThan(withTokens);
            assertThat(api.conversation(with).get("messages")).hasSize(4);
            assertThat(api.conversation(with).get("messages").get(0).get("role").asText())
                    .isEqualTo("user");
        }
    }

    // ---- regenerate

    @Test
    void regenerateReplacesTheRepliesAfterTheLastUserMessage() {
        UserApi api = as("jack");
        String id = create(api, "{\"metadata\":{\"max_tokens\":\"8\"}}");
        UserApi.Response nothing = api.post("/v1/conversations/" + id + "/messages", "{\"regenerate\":true}");
        assertThat(nothing.status()).isEqualTo(400);
        assertThat(nothing.json().get("error").get("code").asText()).isEqualTo("nothing_to_regenerate");
        assertThat(api.post("/v1/conversations/" + id + "/messages", "{\"regenerate\":true,\"content\":\"x\"}")
                        .status())
                .isEqualTo(400);

        api.post("/v1/conversations/" + id + "/messages", "{\"content\":\"Once upon a time\"}");
        JsonNode before = api.conversation(id).get("messages");
        assertThat(before).hasSize(2);
        assertThat(as("someone-else")
                        .post("/v1/conversations/" + id + "/messages", "{\"regenerate\":true}")
                        .status())
                .isEqualTo(404);
        UserApi.Response streamed =
                api.post("/v1/conversations/" + id + "/messages", "{\"regenerate\":true,\"stream\":true}");
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.body()).contains("chat.completion.chunk").endsWith("data: [DONE]\n\n");
        JsonNode after = api.conversation(id).get("messages");
        assertThat(after).hasSize(2);
        assertThat(after.get(0).get("id").asText())
                .isEqualTo(before.get(0).get("id").asText());
        assertThat(after.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(after.get(1).get("id").asText())
                .isNotEqualTo(before.get(1).get("id").asText());
    }

    // ---- the title filter

    @Test
    void conversationsFilterByTitleAndStillPage() {
        UserApi api = as("kim");
        create(api, "{\"title\":\"Apple pie\"}");
        create(api, "{\"title\":\"Banana bread\"}");
        create(api, "{\"title\":\"green APPLE tart\"}");
        create(api, "{}");
        JsonNode apples = api.get("/v1/conversations?q=apple").json();
        assertThat(apples.get("data")).hasSize(2);
        assertThat(apples.get("data").get(0).get("title").asText()).isEqualTo("green APPLE tart");
        JsonNode page1 = api.get("/v1/conversations?q=APPLE&limit=1").json();
        assertThat(page1.get("has_more").asBoolean()).isTrue();
        JsonNode page2 = api.get("/v1/conversations?q=APPLE&limit=1&after="
                        + page1.get("last_id").asText())
                .json();
        assertThat(page2.get("data").get(0).get("title").asText()).isEqualTo("Apple pie");
        assertThat(page2.get("has_more").asBoolean()).isFalse();
        assertThat(api.get("/v1/conversations?q=").json().get("data")).hasSize(4);
        assertThat(api.get("/v1/conversations?q=zzz").json().get("data")).isEmpty();
    }
}
