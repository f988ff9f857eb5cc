package dev.fairway.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.UserAdmin;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;

/** Who may scrape /metrics, where, and whether user names appear in it. */
class MetricsAccessTest {
    private static final String CHAT =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":3}";

    private static String addUser(Path db, String name) throws Exception {
        SQLiteDataSource ds = Database.dataSource(db);
        Database.migrate(ds);
        return new UserAdmin(ds).add(name);
    }

    @Test
    void perUserSeriesOnlyWithTheFlag() {
        try (Gateway g = TestGateway.start(TestGateway.config(TestGateway.tempDb()))) {
            Http http = new Http(g.baseUrl());
            assertThat(http.post("/v1/chat/completions", CHAT).status()).isEqualTo(200);
            assertThat(http.get("/metrics").body())
                    .contains("fairway_generation_tokens_total", "fairway_fairness_index")
                    .doesNotContain("fairway_user_tokens_total", "fairway_user_served_tokens_total", "user=\"local\"");
        }
        Http shared = new Http(SharedGateway.get().baseUrl()); // started with --metrics-per-user
        assertThat(shared.post("/v1/chat/completions", CHAT).status()).isEqualTo(200);
        assertThat(shared.get("/metrics").body())
                .contains(
                        "fairway_user_tokens_total{kind=\"completion\",user=\"local\"}",
                        "fairway_user_served_tokens_total{user=\"local\"}");
    }

    @Test
    void beyondLoopbackMetricsNeedAnApiKey() throws Exception {
        Path db = TestGateway.tempDb();
        String key = addUser(db, "ops"); // a non-loopback bind refuses to start without users
        try (Gateway g = TestGateway.start(TestGateway.withHost(TestGateway.config(db), "0.0.0.0", 0))) {
            Http http = new Http("http://127.0.0.1:" + g.port());
            Http.Response anonymous = http.get("/metrics");
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.json().get("error").get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(http.withKey("fw-wrong").get("/metrics").status()).isEqualTo(401);
            Http.Response scraped = http.withKey(key).get("/metrics");
            assertThat(scraped.status()).isEqualTo(200);
            assertThat(scraped.body()).contains("fairway_requests_running");
            assertThat(http.get("/health").status()).isEqualTo(200); // probes stay keyless
        }
    }

    @Test
    void separateListenerServesMetricsWithoutKeyAndTheApiPortNoLonger() throws Exception {
        Path db = TestGateway.tempDb();
        String key = addUser(db, "ops");
        GatewayConfig config = TestGateway.withMetrics(
                TestGateway.withHost(TestGateway.config(db), "0.0.0.0", 0), "127.0.0.1", 0, false);
        try (Gateway g = TestGateway.start(config)) {
            assertThat(g.metricsPort()).isPositive().isNotEqualTo(g.port());
            Http metrics = new Http("http://127.0.0.1:" + g.metricsPort());
            Http.Response scraped = metrics.get("/metrics");
            assertThat(scraped.status()).isEqualTo(200);
            assertThat(scraped.body()).contains("fairway_requests_running");
            assertThat(metrics.get("/v1/models").status()).isEqualTo(404);
            Http api = new Http("http://127.0.0.1:" + g.port(), key);
            assertThat(api.get("/metrics").status()).isEqualTo(404);
            assertThat(api.get("/v1/models").status()).isEqualTo(200);
        }
    }
}
