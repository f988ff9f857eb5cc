package dev.fairway.gateway.store;

import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The single SQLite file: WAL, foreign keys on every connection, schema owned by Flyway. Users' chats and key
 * hashes live here, so the file (and the -wal/-shm files SQLite gives the same mode) is 0600 and a folder we
 * create is 0700.
 */
public final class Database {
    static final int BUSY_TIMEOUT_MS = 10_000;

    private Database() {}

    /** $XDG_DATA_HOME/fairway/fairway.db, else ~/.local/share/fairway/fairway.db. */
    public static Path defaultPath() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("fairway").resolve("fairway.db");
    }

    /** A connection that may write (the server's writer, the CLI): transactions take the write lock up front. */
    public static SQLiteDataSource dataSource(Path file) {
        prepareFile(file);
        SQLiteConfig config = base();
        // IMMEDIATE: a transaction that reads then writes cannot fail half-way with SQLITE_BUSY_SNAPSHOT.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return source(config, file);
    }

    /** Read-only connections for the server's reads (WAL: they never wait for the writer). */
    static SQLiteDataSource readOnlyDataSource(Path file) {
        SQLiteConfig config = base();
        config.setReadOnly(true);
        return source(config, file);
    }

    private static SQLiteConfig base() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        // FULL: a committed message survives power loss too, not only kill -9.
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        return config;
    }

    private static SQLiteDataSource source(SQLiteConfig config, Path file) {
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    /** Creates the folder (0700) and an empty file (0600) before SQLite does, so no umask can widen them. */
    static void prepareFile(Path file) {
        Path abs = file.toAbsolutePath();
        try {
            Path parent = abs.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                Files.createDirectories(parent);
                setMode(parent, "rwx------");
            }
            try {
                Files.createFile(
                        abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                // an older Fairway made it with the umask's mode: tighten it and its journal files
                for (String suffix : new String[] {"", "-wal", "-shm"}) {
                    Path f = Path.of(abs + suffix);
                    if (Files.exists(f) && Files.isWritable(f)) setMode(f, "rw-------");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + abs + ": " + e.getMessage(), e);
        }
    }

    private static void setMode(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: nothing to tighten
        }
    }

    /** Blocking: run on a worker thread. */
    public static void migrate(SQLiteDataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** The server's read pool (the Vert.x JDBC client); nothing ever writes through it. */
    static Pool readPool(Vertx vertx, Path file) {
        return JDBCPool.pool(vertx, readOnlyDataSource(file), new PoolOptions().setMaxSize(4));
    }
}
