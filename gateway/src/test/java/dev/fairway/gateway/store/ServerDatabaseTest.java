package dev.fairway.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The database files are private to their owner, and one server holds a file at a time. */
class ServerDatabaseTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aNewDatabaseAndItsFolderAreReadableByTheOwnerOnly() throws Exception {
        Path folder = Files.createTempDirectory("fairway-db").resolve("nested");
        Path file = folder.resolve("fairway.db");
        try (ServerDatabase db = ServerDatabase.open(vertx, file)) {
            new ConversationStore(db.reads(), db.writer())
                    .create("local", "t", "{}", List.of())
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            assertThat(mode(folder)).isEqualTo("rwx------");
            assertThat(mode(file)).isEqualTo("rw-------");
            assertThat(mode(Path.of(file + "-wal"))).isEqualTo("rw-------");
            assertThat(mode(Path.of(file + "-shm"))).isEqualTo("rw-------");
            assertThat(mode(Path.of(file + ".lock"))).isEqualTo("rw-------");
        }
    }

    @Test
    void anOlderWorldReadableFileIsTightened() throws Exception {
        Path file = Files.createTempDirectory("fairway-db").resolve("fairway.db");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (ServerDatabase db = ServerDatabase.open(vertx, file)) {
            assertThat(mode(file)).isEqualTo("rw-------");
        }
    }

    @Test
    void aSecondServerOnTheSameFileIsRefusedWithAHintAtDb() throws Exception {
        Path file = Files.createTempDirectory("fairway-db").resolve("fairway.db");
        try (ServerDatabase first = ServerDatabase.open(vertx, file)) {
            assertThatThrownBy(() -> ServerDatabase.open(vertx, file))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("--db");
        }
        ServerDatabase.open(vertx, file).close(); // free again once the first closed
    }

    @Test
    void closeCommitsEveryAcceptedWriteFirst() throws Exception {
        Path file = Files.createTempDirectory("fairway-db").resolve("fairway.db");
        List<io.vertx.core.Future<ConversationStore.Conversation>> writes = new ArrayList<>();
        try (ServerDatabase db = ServerDatabase.open(vertx, file)) {
            ConversationStore store = new ConversationStore(db.reads(), db.writer());
            for (int i = 0; i < 200; i++) writes.add(store.create("local", "c" + i, "{}", List.of()));
        } // closed at once, with writes still queued
        for (var w : writes) assertThat(w.succeeded()).isTrue();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file);
                var rs = c.createStatement().executeQuery("SELECT count(*) FROM conversations")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(200);
        }
    }
}
