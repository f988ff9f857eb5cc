package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/** kill -9 of `fairway serve` in the middle of a streamed reply loses nothing that was committed before. */
class KillNinePersistenceTest {

    @Test
    void committedMessagesSurviveKillNineMidStream() throws Exception {
        Path db = TestGateway.tempDb();
        String id;
        JsonNode firstExchange;
        try (ServerProcess server = ServerProcess.start(db)) {
            Http http = new Http(server.baseUrl());
            id = http.post("/v1/conversations", "{\"title\":\"crash\"}")
                    .json()
                    .get("id")
                    .asText();
            http.post(
                    "/v1/conversations/" + id + "/messages",
                    "{\"content\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}");
            firstExchange = http.get("/v1/conversations/" + id).json().get("messages");
            assertThat(firstExchange).hasSize(2);

            HttpRequest streaming = HttpRequest.newBuilder(
                            URI.create(server.baseUrl() + "/v1/conversations/" + id + "/messages"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"content\":\" One day\",\"stream\":true,\"ignore_eos\":true,\"max_tokens\":450}"))
                    .build();
            HttpResponse<InputStream> response =
                    HttpClient.newHttpClient().send(streaming, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body().read()).isNotNegative(); // the first streamed byte: the user turn is committed
            server.kill9();
        }
        try (ServerProcess restarted = ServerProcess.start(db)) {
            JsonNode messages = new Http(restarted.baseUrl())
                    .get("/v1/conversations/" + id)
                    .json()
                    .get("messages");
            assertThat(messages.size()).isBetween(3, 4);
            assertThat(messages.get(0)).isEqualTo(firstExchange.get(0));
            assertThat(messages.get(1)).isEqualTo(firstExchange.get(1));
            assertThat(messages.get(2).get("role").asText()).isEqualTo("user");
            assertThat(messages.get(2).get("content").asText()).isEqualTo(" One day");
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
                var rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
    }
}
