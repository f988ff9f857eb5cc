package dev.fairway.cli.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fairway's public HTTP API as the terminal client uses it: the conversations endpoints and their streamed turns.
 * With an API key it sends {@code Authorization: Bearer}; without one (an open loopback server) the user's name as
 * {@code X-Fairway-User}, the convention the web page follows.
 */
public final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private volatile String apiKey;
    private volatile String user;

    public ApiClient(String baseUrl, String apiKey, String user) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = blankToNull(apiKey);
        this.user = blankToNull(user);
    }

    public String baseUrl() {
        return base;
    }

    public String user() {
        return user;
    }

    public boolean hasKey() {
        return apiKey != null;
    }

    public void signIn(String apiKey, String user) {
        this.apiKey = blankToNull(apiKey);
        this.user = blankToNull(user);
    }

    /** A refused request: HTTP status, the server's error code and message, Retry-After seconds (429, 503). */
    public static final class ApiException extends IOException {
        public final int status;
        public final String code;
        public final Integer retryAfterSeconds;

        ApiException(int status, String code, String message, Integer retryAfterSeconds) {
            super(message);
            this.status = status;
            this.code = code;
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    public record Model(String id, int contextLength) {}

    public record Summary(String id, String title, String preview, long updatedAt, Map<String, String> metadata) {}

    public record Message(String role, String content, String status) {}

    public record Conversation(String id, String title, Map<String, String> metadata, List<Message> messages) {}

    /** The server's default model (what a chat without a model setting uses). */
    public Model model() throws IOException {
        List<Model> all = models();
        return all.isEmpty() ? new Model("?", 0) : all.getFirst();
    }

    /** Every model the server offers, its default first. */
    public List<Model> models() throws IOException {
        List<Model> out = new ArrayList<>();
        for (JsonNode m : send(request("/v1/models").GET()).path("data")) {
            Model model =
                    new Model(m.path("id").asText("?"), m.path("max_model_len").asInt(0));
            if (m.path("default").asBoolean(false)) out.addFirst(model);
            else out.add(model);
        }
        return out;
    }

    /** The caller's conversations, newest first (up to {@code limit}). */
    public List<Summary> conversations(int limit) throws IOException {
        JsonNode page = send(request("/v1/conversations?limit=" + limit).GET());
        List<Summary> out = new ArrayList<>();
        for (JsonNode c : page.path("data")) {
            long at = c.hasNonNull("updated_at")
                    ? c.path("updated_at").asLong()
                    : c.path("created_at").asLong();
            out.add(new Summary(
                    c.path("id").asText(),
                    c.path("title").asText(""),
                    c.path("preview").asText(""),
                    at,
                    metadata(c)));
        }
        return out;
    }

    public Conversation conversation(String id) throws IOException {
        JsonNode c = send(request("/v1/conversations/" + enc(id)).GET());
        List<Message> messages = new ArrayList<>();
        for (JsonNode m : c.path("messages")) {
            messages.add(new Message(
                    m.path("role").asText(),
                    m.path("content").asText(""),
                    m.path("status").asText("completed")));
        }
        return new Conversation(c.path("id").asText(), c.path("title").asText(""), metadata(c), messages);
    }

    public String create(String title, Map<String, String> metadata) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("title", title);
        body.set("metadata", JSON.valueToTree(metadata));
        return send(request("/v1/conversations").POST(json(body))).path("id").asText();
    }

    public void update(String id, String title, Map<String, String> metadata) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (title != null) body.put("title", title);
        if (metadata != null) body.set("metadata", JSON.valueToTree(metadata));
        send(request("/v1/conversations/" + enc(id)).method("PATCH", json(body)));
    }

    public void delete(String id) throws IOException {
        send(request("/v1/conversations/" + enc(id)).DELETE());
    }

    /** What a streamed turn reports, on the thread that reads the stream. */
    public interface TurnListener {
        /** The stream opened; {@code truncated} messages of the history were left out of the prompt. */
        default void onOpen(int truncated) {}

        void onDelta(String text);
        /** The end: the usage when the server sent it (prompt and completion tokens), else -1s. */
        void onDone(String finishReason, int promptTokens, int completionTokens);

        void onError(Exception e);
    }

    /** A streamed turn in progress; {@link #cancel()} closes the connection, and the server stores a partial reply. */
    public static final class Turn {
        private volatile InputStream body;
        private volatile boolean cancelled;
        private volatile Thread reader;

        public void cancel() {
            cancelled = true;
            InputStream b = body;
            if (b != null) {
                try {
                    b.close();
                } catch (IOException ignored) {
                    /* closing is all we want */
                }
            }
            Thread t = reader;
            if (t != null) t.interrupt();
        }

        public boolean cancelled() {
            return cancelled;
        }
    }

    /**
     * Sends one message (or, with {@code content} null, a regeneration) and streams the reply on a new thread.
     * {@code settings} are the turn's fields (temperature, max_tokens, model): strings, blank means unset.
     */
    public Turn send(String conversationId, String content, Map<String, String> settings, TurnListener listener) {
        Turn turn = new Turn();
        Thread t = Thread.ofVirtual()
                .name("fairway-chat-stream")
                .unstarted(() -> stream(conversationId, content, settings, listener, turn));
        turn.reader = t;
        t.start();
        return turn;
    }

    /** The same, on the calling thread (pipe mode). */
    public void sendBlocking(
            String conversationId, String content, Map<String, String> settings, TurnListener listener) {
        stream(conversationId, content, settings, listener, new Turn());
    }

    private void stream(String id, String content, Map<String, String> settings, TurnListener listener, Turn turn) {
        ObjectNode body = JSON.createObjectNode();
        if (content != null) body.put("content", content);
        else body.put("regenerate", true);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        putNumber(body, "temperature", settings.get("temperature"), false);
        putNumber(body, "max_tokens", settings.get("max_tokens"), true);
        String model = settings.get("model");
        if (model != null && !model.isBlank()) body.put("model", model.trim());
        try {
            HttpResponse<InputStream> r = http.send(
                    request("/v1/conversations/" + enc(id) + "/messages")
                            .header("Accept", "text/event-stream")
                            .POST(json(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                byte[] bytes;
                try (InputStream in = r.body()) {
                    bytes = in.readAllBytes();
                }
                throw error(
                        r.statusCode(),
                        new String(bytes, StandardCharsets.UTF_8),
                        r.headers().firstValue("Retry-After").orElse(null));
            }
            turn.body = r.body();
            if (turn.cancelled) turn.cancel();
            listener.onOpen(r.headers()
                    .firstValue("X-Fairway-Truncated-Messages")
                    .map(Integer::parseInt)
                    .orElse(0));
            String finish = null;
            int prompt = -1;
            int completion = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data:")) continue;
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) break;
                    JsonNode chunk = JSON.readTree(data);
                    if (chunk.has("error")) {
                        JsonNode e = chunk.get("error");
                        throw new ApiException(
                                200,
                                e.path("code").asText(null),
                                e.path("message").asText("error"),
                                null);
                    }
                    for (JsonNode c : chunk.path("choices")) {
                        String text = c.path("delta").path("content").asText("");
                        if (!text.isEmpty()) listener.onDelta(text);
                        if (c.hasNonNull("finish_reason"))
                            finish = c.get("finish_reason").asText();
                    }
                    if (chunk.path("usage").isObject()) {
                        prompt = chunk.get("usage").path("prompt_tokens").asInt(-1);
                        completion =
                                chunk.get("usage").path("completion_tokens").asInt(-1);
                    }
                }
            }
            listener.onDone(turn.cancelled ? "stopped" : finish, prompt, completion);
        } catch (Exception e) {
            if (turn.cancelled) listener.onDone("stopped", -1, -1);
            else listener.onError(e);
        }
    }

    private static void putNumber(ObjectNode body, String key, String value, boolean integer) {
        if (value == null || value.isBlank()) return;
        try {
            if (integer) body.put(key, Long.parseLong(value.trim()));
            else body.put(key, Double.parseDouble(value.trim()));
        } catch (NumberFormatException ignored) {
            // checked where it is typed; a stale value is left out
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(30));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        else if (user != null) b.header("X-Fairway-User", user);
        String conversation = conversationOf(path);
        if (conversation != null) b.header("X-Conversation-Id", conversation);
        return b;
    }

    private static final java.util.regex.Pattern CONVERSATION_PATH =
            java.util.regex.Pattern.compile("^/v1/conversations/([^/?]+)");

    /**
     * The conversation a path names, also sent as X-Conversation-Id: a load balancer hashing on it keeps a chat on one
     * node (deploy/nginx/fairway.conf).
     */
    static String conversationOf(String path) {
        var m = CONVERSATION_PATH.matcher(path);
        return m.find() ? java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8) : null;
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw error(
                        r.statusCode(),
                        r.body(),
                        r.headers().firstValue("Retry-After").orElse(null));
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static ApiException error(int status, String body, String retryAfter) {
        String code = null;
        String message = "HTTP " + status;
        try {
            JsonNode e = JSON.readTree(body).path("error");
            code = e.path("code").asText(null);
            message = e.path("message").asText(message);
        } catch (Exception ignored) {
            // not JSON: keep the status
        }
        Integer retry = null;
        try {
            if (retryAfter != null) retry = Integer.parseInt(retryAfter.trim());
        } catch (NumberFormatException ignored) {
            // an HTTP date: not used by Fairway
        }
        return new ApiException(status, code, message, retry);
    }

    private static Map<String, String> metadata(JsonNode c) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        c.path("metadata")
                .fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText("")));
        return out;
    }

    private static HttpRequest.BodyPublisher json(JsonNode body) {
        return HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
