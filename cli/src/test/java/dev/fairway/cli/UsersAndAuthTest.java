package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.auth.ApiKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `fairway users` and the start-up rule that a non-loopback bind needs API keys. */
class UsersAndAuthTest {

    private record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        PrintStream original = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new FairwayCli()).execute(args);
            return new Run(exit, buffer.toString(StandardCharsets.UTF_8), errors.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
        }
    }

    @Test
    void usersAddPrintsTheKeyOnceAndStoresOnlyItsHash() throws Exception {
        Path db = TestGateway.tempDb();
        Run added = cli("users", "add", "carol", "--db", db.toString());
        assertThat(added.exit()).isZero();
        String key =
                added.out().lines().filter(l -> l.startsWith("fw-")).findFirst().orElseThrow();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
                var rs = c.createStatement().executeQuery("SELECT name, key_hash FROM users")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("carol");
            assertThat(rs.getString(2)).isEqualTo(ApiKeys.hash(key)).isNotEqualTo(key);
        }
        for (Path f : new Path[] {db, Path.of(db + "-wal")}) {
            if (Files.exists(f))
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                        .doesNotContain(key);
        }
        assertThat(cli("users", "add", "carol", "--db", db.toString()).exit()).isNotZero();
        assertThat(cli("users", "add", "bad name!", "--db", db.toString()).exit())
                .isNotZero();
        assertThat(cli("users", "list", "--db", db.toString()).out())
                .contains("carol")
                .doesNotContain(key);
        assertThat(cli("users", "remove", "carol", "--db", db.toString()).exit())
                .isZero();
        assertThat(cli("users", "list", "--db", db.toString()).out()).doesNotContain("carol");
        assertThat(cli("users", "remove", "carol", "--db", db.toString()).exit())
                .isNotZero();
    }

    @Test
    void localIsReservedForTheOpenModeCaller() {
        Path db = TestGateway.tempDb();
        for (String name : new String[] {"local", "LOCAL"}) {
            Run refused = cli("users", "add", name, "--db", db.toString());
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("'local' is reserved");
            assertThat(refused.out()).doesNotContain("fw-");
        }
        assertThat(cli("users", "list", "--db", db.toString()).out()).contains("No users");
        assertThat(cli("users", "add", "locally", "--db", db.toString()).exit()).isZero();
    }

    @Test
    void keyOfARemovedUserStopsWorkingAndOpenModeNeedsNoUsers() {
        Path db = TestGateway.tempDb();
        try (Gateway g = TestGateway.start(TestGateway.perUser(TestGateway.config(db)))) {
            Http open = new Http(g.baseUrl());
            assertThat(open.get("/v1/models").status()).isEqualTo(200); // loopback, no users: open as 'local'
            String key = cli("users", "add", "dave", "--db", db.toString())
                    .out()
                    .lines()
                    .filter(l -> l.startsWith("fw-"))
                    .findFirst()
                    .orElseThrow();
            assertThat(open.get("/v1/models").status()).isEqualTo(401); // a user exists now: keys required
            assertThat(open.withKey(key).get("/v1/models").status()).isEqualTo(200);
            assertThat(open.withKey(key)
                            .post(
                                    "/v1/chat/completions",
                                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":3}")
                            .status())
                    .isEqualTo(200);
            assertThat(open.get("/metrics").body())
                    .contains("fairway_user_tokens_total{kind=\"completion\",user=\"dave\"} 3.0");
            String erin = cli("users", "add", "erin", "--db", db.toString())
                    .out()
                    .lines()
                    .filter(l -> l.startsWith("fw-"))
                    .findFirst()
                    .orElseThrow();
            cli("users", "remove", "dave", "--db", db.toString());
            assertThat(open.withKey(key).get("/v1/models").status()).isEqualTo(401);
            assertThat(open.withKey(erin).get("/v1/models").status()).isEqualTo(200);
            cli("users", "remove", "erin", "--db", db.toString());
            assertThat(open.withKey("anything").get("/v1/models").status()).isEqualTo(200); // no users left: open again
        }
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutUsers() {
        GatewayConfig local = TestGateway.config(TestGateway.tempDb());
        GatewayConfig exposed = TestGateway.withHost(local, "0.0.0.0", 0);
        assertThatThrownBy(() -> TestGateway.start(exposed))
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without API keys");
    }
}
