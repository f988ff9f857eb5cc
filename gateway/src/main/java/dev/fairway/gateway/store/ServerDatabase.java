package dev.fairway.gateway.store;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.sqlite.SQLiteDataSource;

/**
 * A server's hold on its database: the one writer, the read pool, and an exclusive lock file. Turns on a
 * conversation are serialized inside one server, so two servers on one file could interleave them; the second
 * is refused with a line that names --db.
 */
public final class ServerDatabase implements AutoCloseable {
    private final Path file;
    private final FileChannel lockChannel;
    private final SqlWriter writer;
    private final Pool reads;

    private ServerDatabase(Path file, FileChannel lockChannel, SqlWriter writer, Pool reads) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.writer = writer;
        this.reads = reads;
    }

    /** Blocking (migrations, files): call on a worker. */
    public static ServerDatabase open(Vertx vertx, Path file) {
        SQLiteDataSource writable = Database.dataSource(file);
        FileChannel lock = lock(file);
        try {
            Database.migrate(writable);
            return new ServerDatabase(file, lock, new SqlWriter(writable), Database.readPool(vertx, file));
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
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
                        + "; give this one its own database with --db FILE (or FAIRWAY_DB)");
            }
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** A read-only data source on the same file (for connections the pool does not manage). */
    public SQLiteDataSource readOnlyDataSource() {
        return Database.readOnlyDataSource(file);
    }

    public SQLiteDataSource writableDataSource() {
        return Database.dataSource(file);
    }

    public Pool reads() {
        return reads;
    }

    public SqlWriter writer() {
        return writer;
    }

    /** Blocking: every accepted write is committed first; the lock goes last. */
    @Override
    public void close() {
        writer.close();
        reads.close().toCompletionStage().toCompletableFuture().join();
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // releasing the lock: the OS drops it with the process anyway
        }
    }
}
