package dev.fairway.gateway.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where users and conversations live: an SQLite file (the embedded default, one server per file) or a PostgreSQL
 * database that several servers share. Parsed from {@code --db}: {@code postgresql://USER@HOST[:PORT]/DB} names a
 * PostgreSQL database, anything else a file.
 */
public sealed interface StoreLocation {
    record SqliteFile(Path file) implements StoreLocation {}

    /** {@code password} null: none sent (trust/peer authentication, or ~/.pgpass, which the driver reads). */
    record Postgres(String host, int port, String database, String user, String password) implements StoreLocation {
        public String jdbcUrl() {
            return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database;
        }

        /** For logs and the startup summary: never the password. */
        @Override
        public String toString() {
            return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
        }
    }

    /**
     * {@code db} null: the default SQLite file. The PostgreSQL password comes from $FAIRWAY_DB_PASSWORD, else from the
     * file named by $FAIRWAY_DB_PASSWORD_FILE (first line), never from the URL (it would show in `ps` and history).
     */
    static StoreLocation parse(String db, Map<String, String> env) {
        if (db == null || db.isBlank()) return new SqliteFile(Database.defaultPath());
        if (!db.startsWith("postgresql://") && !db.startsWith("postgres://")) return new SqliteFile(Path.of(db));
        URI uri;
        try {
            uri = new URI(db);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--db: not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB): " + db);
        }
        String userInfo = uri.getUserInfo();
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (uri.getHost() == null || userInfo == null || userInfo.isEmpty() || path.isEmpty())
            throw new IllegalArgumentException("--db: a PostgreSQL URL names user, host and database: "
                    + "postgresql://USER@HOST:PORT/DB (got " + db + ")");
        if (userInfo.contains(":"))
            throw new IllegalArgumentException("--db: no password in the URL (it would show in the process list); "
                    + "set FAIRWAY_DB_PASSWORD or FAIRWAY_DB_PASSWORD_FILE");
        return new Postgres(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path, userInfo, password(env));
    }

    static StoreLocation parse(String db) {
        return parse(db, System.getenv());
    }

    private static String password(Map<String, String> env) {
        String inline = env.get("FAIRWAY_DB_PASSWORD");
        if (inline != null && !inline.isEmpty()) return inline;
        String file = env.get("FAIRWAY_DB_PASSWORD_FILE");
        if (file == null || file.isEmpty()) return null;
        try {
            return Files.readAllLines(Path.of(file)).stream()
                    .findFirst()
                    .map(String::strip)
                    .orElse("");
        } catch (IOException e) {
            throw new UncheckedIOException("FAIRWAY_DB_PASSWORD_FILE: cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
