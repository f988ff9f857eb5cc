package dev.fairway.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The writer's invariant: committed before success, rolled back on failure, never a transaction left open. */
class SqlWriterTest {

    private static Path newDb() throws Exception {
        Path file = Files.createTempDirectory("fairway-writer").resolve("w.db");
        Database.migrate(Database.dataSource(file));
        return file;
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static int count(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                var rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    /** Succeeds only if no one holds the write lock: an open transaction would make it fail at once. */
    private static void outsideWriterGetsTheLock(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                var s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 0");
            s.execute("BEGIN IMMEDIATE");
            s.execute("ROLLBACK");
        }
    }

    @Test
    void concurrentReadThenWriteJobsAllCommitWithoutBusyErrors() throws Exception {
        Path file = newDb();
        try (SqlWriter writer = new SqlWriter(Database.dataSource(file))) {
            ExecutorService callers = Executors.newFixedThreadPool(32);
            List<java.util.concurrent.Future<Future<Integer>>> submitted = new ArrayList<>();
            for (int i = 0; i < 640; i++) {
                int n = i;
                submitted.add(callers.submit(() -> writer.write(
                        c -> { // reads max(id), then writes: the pattern that failed
                            try (var s = c.prepareStatement("INSERT INTO users (id, name, key_hash, created_at) "
                                    + "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM users), ?, ?, 0)")) {
                                s.setString(1, "u" + n);
                                s.setString(2, "h" + n);
                                return s.executeUpdate();
                            }
                        })));
            }
            for (var s : submitted) assertThat(await(s.get())).isEqualTo(1);
            callers.shutdown();
            assertThat(count(file, "SELECT count(*) FROM users")).isEqualTo(640);
            assertThat(count(file, "SELECT max(id) FROM users")).isEqualTo(640);
            outsideWriterGetsTheLock(file);
        }
    }

    @Test
    void aFailingJobLeavesNothingAndTheNextJobWorks() throws Exception {
        Path file = newDb();
        try (SqlWriter writer = new SqlWriter(Database.dataSource(file))) {
            Future<Integer> failing = writer.write(c -> {
                c.createStatement()
                        .executeUpdate("INSERT INTO users (name, key_hash, created_at) VALUES ('half', 'h1', 0)");
                throw new SQLException("second statement failed");
            });
            Throwable failure = failing.toCompletionStage()
                    .toCompletableFuture()
                    .handle((v, e) -> e)
                    .get(30, TimeUnit.SECONDS);
            assertThat(failure).hasMessageContaining("second statement failed");
            outsideWriterGetsTheLock(file);
            assertThat(count(file, "SELECT count(*) FROM users")).isZero();
            int inserted = await(writer.write(c -> c.createStatement()
                    .executeUpdate("INSERT INTO users (name, key_hash, created_at) VALUES ('whole', 'h2', 0)")));
            assertThat(inserted).isEqualTo(1);
            assertThat(count(file, "SELECT count(*) FROM users")).isEqualTo(1);
        }
    }

    @Test
    void aWriteFailsCleanlyWhenAnotherProcessHoldsTheLockTooLong() throws Exception {
        Path file = newDb();
        try (SqlWriter writer = new SqlWriter(Database.dataSource(file));
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            other.createStatement().execute("BEGIN IMMEDIATE");
            Future<Integer> blocked = writer.write(c -> c.createStatement()
                    .executeUpdate("INSERT INTO users (name, key_hash, created_at) VALUES ('late', 'h', 0)"));
            Thread.sleep(300);
            other.createStatement().execute("COMMIT"); // released within busy_timeout: the write goes through
            int inserted = await(blocked);
            assertThat(inserted).isEqualTo(1);
            outsideWriterGetsTheLock(file);
        }
    }
}
