package dev.fairway.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Http;
import dev.fairway.gateway.SharedGateway;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What a router (Gateway API Inference Extension, llm-d) and a vLLM dashboard read, under vLLM's names. */
class VllmMetricsTest {
    private static final String CHAT =
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":3}";

    @Test
    void routerGaugesAndRequestSeriesCarryTheModelName() {
        Http http = new Http(SharedGateway.get().baseUrl());
        Http.Response chat = http.post("/v1/chat/completions", CHAT);
        assertThat(chat.status()).isEqualTo(200);
        String model = chat.json().get("model").asText();
        String metrics = http.get("/metrics").body();
        String label = "model_name=\"" + model + "\"";
        for (String gauge :
                new String[] {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"}) {
            assertThat(metrics).as(gauge).containsPattern("(?m)^" + gauge + "\\{[^}]*" + label + "[^}]*\\} ");
        }
        double usage = value(metrics, "vllm:kv_cache_usage_perc\\{[^}]*" + label + "[^}]*\\}");
        assertThat(usage).isBetween(0.0, 1.0);
        assertThat(value(metrics, "vllm:generation_tokens_total\\{[^}]*" + label + "[^}]*\\}"))
                .isGreaterThanOrEqualTo(3);
        assertThat(value(metrics, "vllm:prefix_cache_queries_total\\{[^}]*" + label + "[^}]*\\}"))
                .isGreaterThan(0);
        assertThat(metrics)
                .containsPattern("(?m)^vllm:prefix_cache_hits_total\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:prompt_tokens_total\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:num_preemptions_total\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:request_success_total\\{[^}]*finished_reason=\"length\"[^}]*" + label)
                .containsPattern("(?m)^vllm:time_to_first_token_seconds_bucket\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:inter_token_latency_seconds_bucket\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:e2e_request_latency_seconds_bucket\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:request_queue_time_seconds_bucket\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:request_prefill_time_seconds_bucket\\{[^}]*" + label)
                .containsPattern("(?m)^vllm:request_decode_time_seconds_bucket\\{[^}]*" + label);
        // Fairway's own names stay (dashboards built on them keep working)
        assertThat(metrics).contains("fairway_requests_running{", "fairway_time_to_first_token_seconds_bucket{");
    }

    @Test
    void jvmAndProcessSeriesAreExported() {
        String metrics = new Http(SharedGateway.get().baseUrl()).get("/metrics").body();
        assertThat(metrics)
                .containsPattern("(?m)^jvm_memory_used_bytes\\{")
                .containsPattern("(?m)^jvm_threads_live_threads ")
                .containsPattern("(?m)^jvm_classes_loaded_classes ")
                .containsPattern("(?m)^process_cpu_usage ")
                .containsPattern("(?m)^process_uptime_seconds ")
                .containsPattern("(?m)^process_files_open_files ")
                .containsPattern("(?m)^system_cpu_count ");
        assertThat(value(metrics, "process_uptime_seconds")).isPositive();
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("series " + series).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
