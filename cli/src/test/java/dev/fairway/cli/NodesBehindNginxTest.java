package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.PostgresCluster;
import dev.fairway.gateway.scale.NginxProxy;
import dev.fairway.gateway.store.StoreLocation;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three `fairway serve` processes on one PostgreSQL database behind real nginx (deploy/nginx/fairway.conf), users
 * managed with `fairway users --db postgresql://...`: a conversation goes from node to node with its history, the
 * node streaming a reply is killed with SIGKILL and the next turn succeeds through another node with the history
 * intact, and a removed user is refused by every node within 2 s.
 */
class NodesBehindNginxTest {
    private static final String UPSTREAM = "X-Fairway-Upstream";

    private record Run(int exit, String out) {}

    private static Run fairway(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder b = new ProcessBuilder(ServerProcess.cli(args)).redirectErrorStream(true);
        b.environment().putAll(env);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void conversationsSurviveNodesAndAKilledNode() throws Exception {
        StoreLocation.Postgres pg = PostgresCluster.get().newDatabase();
        String url = "postgresql://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + pg.database();
        Map<String, String> env = Map.of("FAIRWAY_DB_PASSWORD", pg.password());
        Run added = fairway(env, "users", "add", "alice", "--db", url);
        assertThat(added.exit()).as(added.out()).isZero();
        String key =
                added.out().lines().filter(l -> l.startsWith("fw-")).findFirst().orElseThrow();
        // a second user: with none left a loopback server would be open (everyone `local`), not refusing
        assertThat(fairway(env, "users", "add", "bob", "--db", url).exit()).isZero();

        List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return ServerProcess.start(url, env);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        List<ServerProcess> nodes = new ArrayList<>();
        try {
            for (var s : starting) nodes.add(s.get(120, TimeUnit.SECONDS));
            List<Integer> ports =
                    nodes.stream().map(n -> URI.create(n.baseUrl()).getPort()).toList();
            try (NginxProxy nginx = NginxProxy.start(ports, false)) {
                run(nginx, nodes, ports, key, url, env);
            }
        } finally {
            for (ServerProcess n : nodes) n.close();
            for (var s : starting) s.thenAccept(ServerProcess::close);
        }
    }

    private void run(
            NginxProxy nginx,
            List<ServerProcess> nodes,
            List<Integer> ports,
            String key,
            String url,
            Map<String, String> env)
            throws Exception {
        Http lb = new Http(nginx.baseUrl(), key);
        String id = lb.post("/v1/conversations", "{\"title\":\"travels\"}")
                .json()
                .get("id")
                .asText();
        String path = "/v1/conversations/" + id + "/messages";
        // one turn through each node directly: every node sees the turns before
        for (int i = 0; i < nodes.size(); i++) {
            Http direct = new Http(nodes.get(i).baseUrl(), key);
            Http.Response r = direct.post(path, "{\"content\":\"Turn " + i + "\",\"max_tokens\":4}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(direct.get(path).json().get("data")).hasSize(2 * (i + 1));
        }
        JsonNode before = lb.get(path).json().get("data");

        // a long streamed reply through nginx; its node is killed once the stream has started
        HttpRequest streaming = HttpRequest.newBuilder(URI.create(nginx.baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"content\":\"One day\",\"stream\":true,\"ignore_eos\":true,\"max_tokens\":400}"))
                .build();
        HttpResponse<InputStream> stream =
                HttpClient.newHttpClient().send(streaming, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body().read()).isNotNegative();
        String served = stream.headers().firstValue(UPSTREAM).orElseThrow();
        int victim = ports.indexOf(Integer.parseInt(served.substring(served.lastIndexOf(':') + 1)));
        nodes.get(victim).kill9();

        Http.Response next = lb.post(path, "{\"content\":\"And then?\",\"max_tokens\":4}");
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(next.header(UPSTREAM)).doesNotEndWith(":" + ports.get(victim));
        JsonNode after = lb.get(path).json().get("data");
        for (int i = 0; i < before.size(); i++) assertThat(after.get(i)).isEqualTo(before.get(i));
        List<String> rest = new ArrayList<>();
        for (int i = before.size(); i < after.size(); i++) {
            JsonNode m = after.get(i);
            assertThat(m.get("status").asText()).isIn("completed", "partial");
            rest.add(m.get("role").asText() + ":" + m.get("status").asText());
        }
        // the cut reply is stored as partial or not at all, never corrupt; then the next turn, complete
        assertThat(rest)
                .isIn(
                        List.of("user:completed", "user:completed", "assistant:completed"),
                        List.of("user:completed", "assistant:partial", "user:completed", "assistant:completed"));
        assertThat(after.get(before.size()).get("content").asText()).isEqualTo("One day");

        // `fairway users remove` on the shared store: every node still up refuses the key within 2 s
        Run removed = fairway(env, "users", "remove", "alice", "--db", url);
        assertThat(removed.exit()).as(removed.out()).isZero();
        // timed from when each probe is sent: a loaded machine may answer a probe the node checked in time only later
        long t0 = System.nanoTime();
        for (int i = 0; i < nodes.size(); i++) {
            if (i == victim) continue;
            Http direct = new Http(nodes.get(i).baseUrl(), key);
            while (true) {
                long sent = System.nanoTime();
                if (direct.get("/v1/models").status() == 401) break;
                assertThat(sent - t0)
                        .as("a probe sent this long after the removal was still let in")
                        .isLessThan(TimeUnit.SECONDS.toNanos(2));
                Thread.sleep(20);
            }
        }
    }
}
