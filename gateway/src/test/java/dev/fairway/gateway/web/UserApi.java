package dev.fairway.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The public API as one user calls it: `X-Fairway-User` on an open server, or an API key. */
final class UserApi {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            return Http.parse(body);
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final String base;
    private final String user;
    private final String key;

    private UserApi(String base, String user, String key) {
        this.base = base;
        this.user = user;
        this.key = key;
    }

    static UserApi named(String base, String user) {
        return new UserApi(base, user, null);
    }

    static UserApi keyed(String base, String key) {
        return new UserApi(base, null, key);
    }

    /** Both headers: on a server with users the key decides. */
    static UserApi of(String base, String user, String key) {
        return new UserApi(base, user, key);
    }

    Response get(String path) {
        return send("GET", path, null);
    }

    Response post(String path, String json) {
        return send("POST", path, json);
    }

    Response patch(String path, String json) {
        return send("PATCH", path, json);
    }

    Response delete(String path) {
        return send("DELETE", path, null);
    }

    Response send(String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (user != null) b.header("X-Fairway-User", user);
        if (key != null) b.header("Authorization", "Bearer " + key);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(
                method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The conversation with its messages (asserts 200). */
    JsonNode conversation(String id) {
        Response r = get("/v1/conversations/" + id);
        if (r.status() != 200) throw new AssertionError("GET conversation " + id + ": " + r.status() + " " + r.body());
        return r.json();
    }

    JsonNode lastMessage(String id) {
        JsonNode messages = conversation(id).get("messages");
        return messages.get(messages.size() - 1);
    }
}
