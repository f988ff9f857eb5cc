package dev.fairway.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.RawSocket;
import dev.fairway.gateway.SharedGateway;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Requests the HTTP decoder itself refuses still get an OpenAI error body (Vert.x would send an empty one). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolErrorsTest {
    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = SharedGateway.get();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                arguments(
                        "10 KB URI",
                        "GET /v1/models?q=" + "a".repeat(10 * 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                        414,
                        "uri_too_long",
                        true),
                arguments(
                        "20 KB of headers",
                        "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20 * 1024) + "\r\n\r\n",
                        431,
                        "headers_too_large",
                        true),
                arguments(
                        "garbage request line",
                        "HELLO / WORLD\r\nHost: 127.0.0.1\r\n\r\n",
                        400,
                        "invalid_http_request",
                        true),
                arguments(
                        "malformed HTTP version",
                        "GET /v1/models HTTP/one\r\nHost: 127.0.0.1\r\n\r\n",
                        400,
                        "invalid_http_request",
                        true),
                arguments(
                        "header line without colon",
                        "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header\r\n\r\n",
                        400,
                        "invalid_http_request",
                        true),
                arguments(
                        "HTTP/1.1 without Host", "GET /v1/models HTTP/1.1\r\n\r\n", 400, "invalid_http_request", false),
                arguments(
                        "unparsable Host",
                        "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:port\r\n\r\n",
                        400,
                        "invalid_http_request",
                        false),
                arguments(
                        "bad Content-Length",
                        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n",
                        400,
                        "invalid_http_request",
                        true));
    }

    /** Decoder-level refusals close the connection (the stream cannot be trusted); the router's keep it. */
    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void answersOpenAiErrorJson(String name, String request, int status, String code, boolean closes) {
        try (RawSocket s = new RawSocket(gateway.port())) {
            s.send(request);
            RawSocket.Response r = s.readResponse(30_000);
            assertThat(r.status()).as(name + ": " + r.body()).isEqualTo(status);
            assertThat(r.headers().get("content-type")).isEqualTo("application/json");
            var error = Http.parse(r.body()).get("error");
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.get("code").asText()).isEqualTo(code);
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.has("param")).isTrue();
            if (closes)
                assertThat(s.millisUntilClosed(System.nanoTime(), 30_000, null))
                        .as("closed afterwards")
                        .isNotNegative();
        }
        assertThat(new Http(gateway.baseUrl()).get("/health").status()).isEqualTo(200);
    }
}
