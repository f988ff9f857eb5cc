package dev.fairway.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.RawSocket;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.UserAdmin;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An open server (loopback, no users) answers local clients only: a foreign Host (DNS rebinding) or Origin
 * (a web page) gets 403. With users, API keys decide instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenModeOriginsTest {
    private Path db;
    private Gateway gateway;

    @BeforeAll
    void start() {
        db = TestGateway.tempDb();
        gateway = TestGateway.start(TestGateway.config(db));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private UserAdmin users() {
        return new UserAdmin(Database.dataSource(db));
    }

    private RawSocket.Response get(String path, String host, String origin, String key) {
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n")
                    + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "\r\n");
            return s.readResponse(30_000);
        }
    }

    private static void assertForbidden(RawSocket.Response r, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        JsonNode error = Http.parse(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "127.0.0.1:%d",
                "localhost",
                "LOCALHOST:%d",
                "app.localhost:%d",
                "127.1.2.3:%d",
                "[::1]:%d",
                "localhost."
            })
    void loopbackHostsAreServed(String host) {
        assertThat(get("/v1/models", host.formatted(gateway.port()), null, null).status())
                .isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "evil.example",
                "evil.example:%d",
                "127.0.0.1.nip.io:%d",
                "localhost.evil.example",
                "10.0.0.7:%d",
                "[::2]:%d"
            })
    void foreignHostsAreRefused(String host) {
        assertForbidden(get("/v1/models", host.formatted(gateway.port()), null, null), "forbidden_host");
        assertForbidden(get("/health", host.formatted(gateway.port()), null, null), "forbidden_host");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"http://localhost:3000", "http://127.0.0.1:%d", "http://[::1]:8000", "https://ui.localhost"})
    void loopbackOriginsAreServed(String origin) {
        assertThat(get("/v1/models", "127.0.0.1", origin.formatted(gateway.port()), null)
                        .status())
                .isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "null", "http://localhost.evil.example", "file://", "not a url"})
    void foreignOriginsAreRefused(String origin) {
        assertForbidden(get("/v1/models", "127.0.0.1:" + gateway.port(), origin, null), "forbidden_origin");
    }

    @Test
    void chatFromAWebPageIsRefusedButFromAnSdkServed() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":2}";
        String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
                + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n";
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send(request + "Origin: https://evil.example\r\n\r\n" + body);
            assertForbidden(s.readResponse(30_000), "forbidden_origin");
        }
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send(request + "\r\n" + body);
            assertThat(s.readResponse(30_000).status()).isEqualTo(200);
        }
    }

    @Test
    void withUsersKeysDecideNotHosts() throws Exception {
        String key = users().add("web");
        try {
            assertThat(get("/v1/models", "evil.example", "https://evil.example", key)
                            .status())
                    .isEqualTo(200);
            assertThat(get("/v1/models", "evil.example", "https://evil.example", null)
                            .status())
                    .isEqualTo(401);
            assertThat(get("/health", "evil.example", "null", null).status()).isEqualTo(200);
        } finally {
            users().remove("web");
        }
        assertForbidden(get("/v1/models", "evil.example", null, null), "forbidden_host"); // open again
    }
}
