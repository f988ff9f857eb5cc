package dev.fairway.gateway.store;

import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The single SQLite file: WAL, foreign keys on every connection, schema owned by Flyway. */
public final class Database {
    private Database() {}

    /** $XDG_DATA_HOME/fairway/fairway.db, else ~/.local/share/fairway/fairway.db. */
    public static Path defaultPath() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("fairway").resolve("fairway.db");
    }

    public static SQLiteDataSource dataSource(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + file, e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(10_000);
        // FULL: a committed message survives power loss too, not only kill -9.
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    /** Blocking: run on a worker thread. */
    public static void migrate(SQLiteDataSource dataSource) {
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    }

    public static Pool pool(Vertx vertx, SQLiteDataSource dataSource) {
        // SQLite has one writer at a time; a few connections let reads overlap a write under WAL.
        return JDBCPool.pool(vertx, dataSource, new PoolOptions().setMaxSize(4));
    }
}
