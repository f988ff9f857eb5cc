package dev.fairway.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped Grafana dashboard only queries metrics the gateway really exports (a renamed metric breaks this). */
class GrafanaDashboardTest {
    private static final Path DASHBOARD = Path.of("../grafana/dashboards/fairway.json");

    @Test
    void everyQueriedMetricIsExported() throws Exception {
        JsonNode dashboard = Http.JSON.readTree(Files.readString(DASHBOARD));
        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("(fairway_|vllm:)[a-z0-9_]+").matcher("");
        JsonNode variable = dashboard.get("templating").get("list").get(0);
        assertThat(variable.get("type").asText()).isEqualTo("datasource"); // pick any Prometheus
        assertThat(variable.get("current").get("value").asText()).isEqualTo("fairway-prometheus");
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
            for (JsonNode target : panel.get("targets")) {
                m.reset(target.get("expr").asText());
                while (m.find()) queried.add(m.group());
            }
        }
        assertThat(queried).hasSizeGreaterThan(10);
        Http http = new Http(SharedGateway.get().baseUrl());
        http.post(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":4}");
        String metrics = http.get("/metrics").body();
        for (String name : queried) {
            assertThat(metrics).as("dashboard queries " + name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }

    /** Cached blocks are part of the free ones: stacked, the panel showed more blocks than the cache has. */
    @Test
    void kvBlocksPanelDoesNotStackCachedOnFree() throws Exception {
        JsonNode dashboard = Http.JSON.readTree(Files.readString(DASHBOARD));
        JsonNode kv = null;
        for (JsonNode panel : dashboard.get("panels"))
            if (panel.get("title").asText().equals("KV cache blocks")) kv = panel;
        assertThat(kv).isNotNull();
        assertThat(kv.get("fieldConfig")
                        .get("defaults")
                        .get("custom")
                        .get("stacking")
                        .get("mode")
                        .asText())
                .isEqualTo("none");
        assertThat(kv.get("targets").toString()).contains("state=\\\"cached\\\"", "fairway_kv_capacity_blocks");
    }
}
