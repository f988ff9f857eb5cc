package dev.fairway.gateway.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turn locks as PostgreSQL session advisory locks, one connection per running turn. Why a session lock on its own
 * connection rather than a row lock in a transaction: a turn lasts as long as its generation (seconds) while the
 * writes of that turn are separate short transactions; and when a node dies its connection closes, which frees its
 * locks at once, so the conversation goes on through another node.
 */
public final class PostgresTurnLocks implements TurnLocks {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresTurnLocks.class);
    /** Longer than any sane turn: past it the waiting request gets 409 instead of hanging. */
    static final String LOCK_TIMEOUT = "300s";
    /** Connections kept open between turns: opening one (fork, password exchange) costs milliseconds per turn. */
    static final int IDLE_MAX = 8;

    private final Vertx vertx;
    private final DataSource dataSource;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    public PostgresTurnLocks(Vertx vertx, DataSource dataSource) {
        this.vertx = vertx;
        this.dataSource = dataSource;
    }

    @Override
    public Future<Runnable> acquire(String conversationId) {
        return vertx.<Connection>executeBlocking(() -> lock(conversationId), false)
                .map(c -> () -> release(c));
    }

    private Connection lock(String conversationId) throws SQLException {
        Connection kept = idle.pollFirst();
        if (kept != null) {
            try {
                return lockOn(kept, conversationId);
            } catch (BusyException e) {
                throw e;
            } catch (SQLException e) {
                // a kept connection the server dropped meanwhile (restart, idle timeout): a fresh one below
            }
        }
        Connection fresh = dataSource.getConnection();
        try (Statement s = fresh.createStatement()) {
            s.execute("SET lock_timeout = '" + LOCK_TIMEOUT + "'");
        } catch (SQLException e) {
            fresh.close();
            throw e;
        }
        return lockOn(fresh, conversationId);
    }

    /** Closes {@code c} when it fails. */
    private static Connection lockOn(Connection c, String conversationId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 0))")) {
            s.setString(1, conversationId);
            s.execute();
            return c;
        } catch (SQLException e) {
            c.close();
            if ("55P03".equals(e.getSQLState())) throw new BusyException(conversationId, e); // lock_not_available
            throw e;
        }
    }

    /** Unlocked, the connection waits for the next turn; if unlocking fails, closing it frees the lock. */
    private void release(Connection c) {
        vertx.executeBlocking(
                        () -> {
                            try (Statement s = c.createStatement()) {
                                s.execute("SELECT pg_advisory_unlock_all()");
                            } catch (SQLException e) {
                                c.close();
                                return null;
                            }
                            if (idle.size() < IDLE_MAX) idle.addFirst(c);
                            else c.close();
                            return null;
                        },
                        false)
                .onFailure(e -> LOG.warn("Releasing a turn lock", e));
    }

    /** Blocking: closes the kept connections (a turn still running closes its own on release). */
    public void close() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
