package dev.fairway.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Each migration exists for both databases (db/README.md): one written for SQLite alone breaks every PostgreSQL node. */
class MigrationDialectsTest {
    private static final Path DB = Path.of("src/main/resources/db");

    @Test
    void everyMigrationHasItsPostgresqlTwinAndBack() throws IOException {
        Set<String> sqlite = migrations(DB.resolve("migration"));
        Set<String> postgresql = migrations(DB.resolve("postgresql"));
        assertThat(sqlite).isNotEmpty();
        assertThat(postgresql)
                .as("db/postgresql must hold the same versions as db/migration (write each migration twice)")
                .isEqualTo(sqlite);
    }

    private static Set<String> migrations(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("[VR]\\d*__.*\\.sql"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
