package dev.fairway.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What --db accepts: a file, or postgresql://USER@HOST:PORT/DB with the password from the environment. */
class StoreLocationTest {
    @Test
    void aPathIsAnSqliteFile() {
        assertThat(StoreLocation.parse("/tmp/x/fairway.db", Map.of()))
                .isEqualTo(new StoreLocation.SqliteFile(Path.of("/tmp/x/fairway.db")));
        assertThat(StoreLocation.parse(null, Map.of())).isEqualTo(new StoreLocation.SqliteFile(Database.defaultPath()));
    }

    @Test
    void aPostgresqlUrlWithThePasswordFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        var pg = (StoreLocation.Postgres)
                StoreLocation.parse("postgresql://chat@db.internal:6432/fairway", Map.of("FAIRWAY_DB_PASSWORD", "s3"));
        assertThat(pg).isEqualTo(new StoreLocation.Postgres("db.internal", 6432, "fairway", "chat", "s3"));
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6432/fairway");
        assertThat(pg.toString()).doesNotContain("s3");
        Path file = Files.writeString(dir.resolve("pw"), "from-file\n");
        var fromFile = (StoreLocation.Postgres)
                StoreLocation.parse("postgres://chat@db/fairway", Map.of("FAIRWAY_DB_PASSWORD_FILE", file.toString()));
        assertThat(fromFile.password()).isEqualTo("from-file");
        assertThat(fromFile.port()).isEqualTo(5432);
    }

    @Test
    void refusesAPasswordInTheUrlAndMissingParts() {
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://chat:secret@db/fairway", Map.of()))
                .hasMessageContaining("FAIRWAY_DB_PASSWORD")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://db:5432/fairway", Map.of()))
                .hasMessageContaining("postgresql://USER@HOST:PORT/DB");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://chat@db:5432/", Map.of()))
                .hasMessageContaining("postgresql://USER@HOST:PORT/DB");
    }
}
