package dev.fairway.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.EngineConfig;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.UserAdmin;
import dev.fairway.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;
import picocli.CommandLine;

/** The load generator against the real gateway serving stories260K: its numbers must match the server's own counts. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GatewayLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");

    @TempDir
    static Path dir;

    static Gateway gateway;
    static URI base;
    static String aliceKey, bobKey;

    @BeforeAll
    static void start() throws Exception {
        Path model = TestModels.stories();
        assertThat(model.resolve("config.json")).as("stories260K test model").exists();
        Path db = dir.resolve("fairway.db");
        SQLiteDataSource ds = Database.dataSource(db);
        Database.migrate(ds);
        UserAdmin admin = new UserAdmin(ds);
        aliceKey = admin.add("alice");
        bobKey = admin.add("bob");
        EngineConfig engine = EngineConfig.builder().model(model.toString()).build();
        gateway = Gateway.start(
                        new GatewayConfig(
                                model.toString(),
                                "127.0.0.1",
                                0,
                                db,
                                8 << 20,
                                engine,
                                GatewayConfig.DEFAULT_HEADER_TIMEOUT_SECONDS,
                                GatewayConfig.DEFAULT_IDLE_TIMEOUT_SECONDS,
                                "127.0.0.1",
                                -1,
                                true),
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .get(3, TimeUnit.MINUTES);
        base = URI.create(gateway.baseUrl());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private static LoadConfig config(List<SimUser> users, Double rate, int requests, int maxTokens, int warmup) {
        return new LoadConfig(
                base,
                null,
                users,
                rate,
                PromptSource.ofTokens("8:24", 11),
                maxTokens,
                true,
                null,
                warmup,
                requests,
                null,
                Duration.ofSeconds(120),
                11);
    }

    @Test
    void twoUsersReportTheServersTokenCounts() throws Exception {
        String before = scrape();
        LoadRunner.Result res = new LoadRunner(
                        config(
                                List.of(new SimUser("alice", aliceKey, 2), new SimUser("bob", bobKey, 2)),
                                null,
                                12,
                                16,
                                0),
                        System.err)
                .run(false);
        String after = scrape();
        LoadReport r = res.report();

        assertThat(r.errors()).isEmpty();
        assertThat(r.completed()).isEqualTo(12);
        assertThat(r.model()).isEqualTo(firstModelId());
        assertThat(r.tokenSource()).isEqualTo("server usage");
        assertThat(res.records()).allSatisfy(rec -> {
            assertThat(rec.completionTokens()).isEqualTo(16); // ignore_eos + min_tokens
            assertThat(rec.contentChunks()).isBetween(1, 16);
            assertThat(rec.promptTokens()).isPositive();
            assertThat(rec.ttftNanos()).isPositive().isLessThanOrEqualTo(rec.e2eNanos());
            assertThat(rec.finishReason()).isEqualTo("length");
        });
        long sumCompletion = res.records().stream()
                .mapToLong(RequestRecord::completionTokens)
                .sum();
        long sumPrompt =
                res.records().stream().mapToLong(RequestRecord::promptTokens).sum();
        assertThat(r.outputTokens()).isEqualTo(sumCompletion).isEqualTo(12 * 16);
        assertThat(r.promptTokens()).isEqualTo(sumPrompt);

        // The server's own counters moved by exactly what the report says.
        assertThat(delta(before, after, "fairway_generation_tokens_total", Map.of()))
                .isEqualTo(r.outputTokens());
        assertThat(delta(before, after, "fairway_prompt_tokens_total", Map.of()))
                .isEqualTo(r.promptTokens());
        for (LoadReport.UserStats u : r.users()) {
            assertThat(u.completed()).isPositive();
            assertThat(delta(
                            before, after, "fairway_user_tokens_total", Map.of("user", u.name(), "kind", "completion")))
                    .as(u.name())
                    .isEqualTo(u.outputTokens());
        }

        assertThat(r.outputTokPerS()).isCloseTo(r.outputTokens() / r.durationS(), within(1e-6));
        assertThat(r.users().stream()
                        .mapToDouble(LoadReport.UserStats::outputTokPerS)
                        .sum())
                .isCloseTo(r.outputTokPerS(), within(1e-6));
        assertThat(r.jainFairness()).isBetween(0.5, 1.0);
        assertThat(r.ttftMs().count()).isEqualTo(12);
        assertThat(r.e2eMs().p50()).isGreaterThanOrEqualTo(r.ttftMs().p50());
        assertThat(r.itlMs().count())
                .isEqualTo(res.records().stream()
                        .mapToInt(rec -> rec.contentChunks() - 1)
                        .sum());
        System.out.println(ReportRenderer.table(r));
    }

    @Test
    void poissonRateWithABadKeyCountsOnly401sForThatUser() throws Exception {
        LoadRunner.Result res = new LoadRunner(
                        config(
                                List.of(new SimUser("alice", aliceKey, 4), new SimUser("mallory", "wrong", 1)),
                                20.0,
                                10,
                                8,
                                1),
                        System.err)
                .run(false);
        LoadReport r = res.report();
        LoadReport.UserStats alice = r.users().get(0), mallory = r.users().get(1);
        assertThat(alice.failed()).isZero();
        assertThat(mallory.completed()).isZero();
        assertThat(alice.completed() + mallory.failed()).isEqualTo(10);
        assertThat(r.errors()).isEqualTo(mallory.failed() == 0 ? Map.of() : Map.of("http_401", mallory.failed()));
        assertThat(r.outputTokens()).isEqualTo(8L * alice.completed());
        assertThat(r.warmupRequests()).isEqualTo(1);
    }

    @Test
    void commandLineJsonFromAPromptsFile() throws Exception {
        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"Once upon a time\"}\n{\"prompt\": \"Lily had a dog\"}\n");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = new CommandLine(new ServeBenchCommand())
                    .execute(
                            "--base-url",
                            base + "/v1",
                            "--user",
                            "bob:" + bobKey + ":2",
                            "--prompts",
                            prompts.toString(),
                            "--requests",
                            "4",
                            "--max-tokens",
                            "8",
                            "--ignore-eos",
                            "--json");
        } finally {
            System.setOut(old);
        }
        assertThat(code).isZero();
        JsonNode j = JSON.readTree(buf.toString(StandardCharsets.UTF_8));
        assertThat(j.path("completed").asInt()).isEqualTo(4);
        assertThat(j.path("output_tokens").asLong()).isEqualTo(32);
        assertThat(j.path("errors").size()).isZero();
        assertThat(j.path("e2e_ms").path("p99").asDouble()).isPositive();
    }

    private static String firstModelId() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                                .header("Authorization", "Bearer " + aliceKey)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("data").get(0).path("id").asText();
    }

    private static String scrape() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static long delta(String before, String after, String name, Map<String, String> labels) {
        return Math.round(sample(after, name, labels) - sample(before, name, labels));
    }

    /** Sum of the Prometheus samples of `name` whose labels include `labels` (0 when absent). */
    static double sample(String text, String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.find() || !m.group(1).equals(name)) continue;
            String l = m.group(2) == null ? "" : m.group(2);
            if (labels.entrySet().stream().allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }
}
