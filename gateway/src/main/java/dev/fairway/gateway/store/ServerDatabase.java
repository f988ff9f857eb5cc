package dev.fairway.gateway.store;

import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A server's hold on its database: the one writer, the read pool, and what orders turns. An SQLite file belongs to
 * one server: turns on a conversation are serialized inside that server, so an exclusive lock file refuses a
 * second one (with a line that names --db). A PostgreSQL store is shared: any number of nodes, with turns
 * serialized across them by {@link PostgresTurnLocks}.
 */
public final class ServerDatabase implements AutoCloseable {
    private final Dialect dialect;
    private final Supplier<DataSource> writable;
    private final Supplier<DataSource> readOnly;
    private final AutoCloseable exclusivity;
    private final SqlWriter writer;
    private final Pool reads;
    private final TurnLocks turnLocks;

    private ServerDatabase(
            Dialect dialect,
            Supplier<DataSource> writable,
            Supplier<DataSource> readOnly,
            AutoCloseable exclusivity,
            Pool reads,
            TurnLocks turnLocks) {
        this.dialect = dialect;
        this.writable = writable;
        this.readOnly = readOnly;
        this.exclusivity = exclusivity;
        this.writer = new SqlWriter(writable.get(), dialect);
        this.reads = reads;
        this.turnLocks = turnLocks;
    }

    /** Blocking (migrations, files, connections): call on a worker. */
    public static ServerDatabase open(Vertx vertx, StoreLocation at) {
        return switch (at) {
            case StoreLocation.SqliteFile f -> open(vertx, f.file());
            case StoreLocation.Postgres pg -> openPostgres(vertx, pg);
        };
    }

    public static ServerDatabase open(Vertx vertx, Path file) {
        Database.prepareFile(file);
        FileChannel lock = lock(file);
        try {
            Database.migrate(Database.dataSource(file));
            return new ServerDatabase(
                    Dialect.SQLITE,
                    () -> Database.dataSource(file),
                    () -> Database.readOnlyDataSource(file),
                    lock,
                    Database.readPool(vertx, file),
                    TurnLocks.LOCAL);
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
    }

    private static ServerDatabase openPostgres(Vertx vertx, StoreLocation.Postgres at) {
        Postgres.migrate(Postgres.dataSource(at));
        Supplier<DataSource> readOnly = () -> {
            PGSimpleDataSource ds = Postgres.dataSource(at);
            ds.setReadOnly(true);
            return ds;
        };
        Pool reads = JDBCPool.pool(vertx, readOnly.get(), new PoolOptions().setMaxSize(4));
        PostgresTurnLocks locks = new PostgresTurnLocks(vertx, Postgres.dataSource(at));
        return new ServerDatabase(
                Dialect.POSTGRESQL, () -> Postgres.dataSource(at), readOnly, locks::close, reads, locks);
    }

    private static FileChannel lock(Path file) {
        Path lockFile = Path.of(file.toAbsolutePath() + ".lock");
        try {
            FileChannel ch = FileChannel.open(
                    lockFile,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            FileLock held;
            try {
                held = ch.tryLock(); // null: another process holds it
            } catch (OverlappingFileLockException e) {
                held = null; // another server in this JVM holds it
            }
            if (held == null) {
                ch.close();
                throw new IllegalStateException("another Fairway server is using " + file.toAbsolutePath()
                        + "; give this one its own database with --db FILE (or FAIRWAY_DB), "
                        + "or share a PostgreSQL one (--db postgresql://USER@HOST:PORT/DB)");
            }
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Read-only connections the pool does not manage. */
    public DataSource readOnlyDataSource() {
        return readOnly.get();
    }

    public DataSource writableDataSource() {
        return writable.get();
    }

    public Pool reads() {
        return reads;
    }

    public SqlWriter writer() {
        return writer;
    }

    public TurnLocks turnLocks() {
        return turnLocks;
    }

    /** The conversations on this database, with its dialect and turn locks. */
    public ConversationStore conversations() {
        return new ConversationStore(reads, writer, dialect, turnLocks);
    }

    /** Blocking: every accepted write is committed first; the lock goes last. */
    @Override
    public void close() {
        writer.close();
        reads.close().toCompletionStage().toCompletableFuture().join();
        closeQuietly(exclusivity);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // releasing the lock: the OS drops it with the process anyway
        }
    }
}
