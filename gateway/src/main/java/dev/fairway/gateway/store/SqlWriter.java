package dev.fairway.gateway.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's only writing connection, owned by one thread.
 *
 * <p>Why not the Vert.x JDBC pool: SQLite admits one writer at a time, and with several pooled writers two deferred
 * transactions that both read and then write fail at once with SQLITE_BUSY (busy_timeout does not apply); after a
 * failed rollback a pooled connection went back with its transaction still open, so later "committed" writes were
 * never committed and reads saw an old snapshot (seen: 200s for creates that were not on disk, 404s for chats that
 * were). One connection on one thread cannot contend with itself; other processes (`fairway users`) wait on
 * busy_timeout for a lock held for milliseconds.
 *
 * <p>Invariant: a job runs between BEGIN IMMEDIATE and COMMIT on the writer thread; its future succeeds only after
 * COMMIT returned; a job that throws is rolled back, and if the rollback fails too the connection is replaced, so
 * no job ever starts inside another's transaction. Jobs run in submission order; {@link #close} runs every job
 * already accepted before closing the connection.
 */
public final class SqlWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlWriter.class);

    /** Work inside one transaction; return a value or throw to roll everything back. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fairway-db-writer");
        t.setDaemon(true);
        return t;
    });
    private Connection connection; // writer thread only

    public SqlWriter(DataSource dataSource) {
        this(dataSource, Dialect.SQLITE);
    }

    /**
     * On PostgreSQL one writer per node is not needed for locking (nodes write concurrently anyway) but keeps the
     * same invariant: a job's future succeeds only after its COMMIT returned.
     */
    public SqlWriter(DataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    /** Runs {@code work} in its own transaction; completes on the caller's Vert.x context once committed. */
    public <T> Future<T> write(Work<T> work) {
        Context context = Vertx.currentContext();
        Promise<T> promise = Promise.promise();
        try {
            thread.execute(() -> {
                T result;
                try {
                    result = inTransaction(work);
                } catch (Throwable e) {
                    complete(context, () -> promise.fail(e));
                    return;
                }
                complete(context, () -> promise.complete(result));
            });
        } catch (RejectedExecutionException e) {
            promise.fail(new SQLException("the database is closed (the server is stopping)"));
        }
        return promise.future();
    }

    private static void complete(Context context, Runnable r) {
        if (context == null) r.run();
        else context.runOnContext(v -> r.run());
    }

    /**
     * Explicit BEGIN/COMMIT in auto-commit mode: the driver's own commit() opens the next transaction at once, which
     * can fail with SQLITE_BUSY after the commit succeeded and would turn a durable write into a reported failure.
     */
    private <T> T inTransaction(Work<T> work) throws SQLException {
        Connection c = connection();
        try (Statement s = c.createStatement()) {
            s.execute(dialect.begin());
        }
        try {
            T result = work.run(c);
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
            return result;
        } catch (Throwable e) {
            rollback(c);
            throw e;
        }
    }

    private void rollback(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            LOG.error("Rollback failed; reopening the writer connection", e);
            try {
                c.close(); // closing a connection ends its transaction
            } catch (SQLException ignored) {
                // gone either way
            }
            connection = null;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) connection = dataSource.getConnection();
        return connection;
    }

    /** Blocking: commits every job already accepted (waiting up to a minute), then closes the connection. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) LOG.error("Database writes still running after 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (connection != null) connection.close();
        } catch (SQLException e) {
            LOG.warn("Closing the writer connection", e);
        }
    }
}
