package dev.fairway.gateway.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
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

    private final Vertx vertx;
    private final DataSource dataSource;

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
        Connection c = dataSource.getConnection();
        try {
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = '" + LOCK_TIMEOUT + "'");
            }
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 0))")) {
                s.setString(1, conversationId);
                s.execute();
            }
            return c;
        } catch (SQLException e) {
            c.close();
            if ("55P03".equals(e.getSQLState())) throw new BusyException(conversationId, e); // lock_not_available
            throw e;
        }
    }

    /** Ending the session frees the lock. */
    private void release(Connection c) {
        vertx.executeBlocking(
                        () -> {
                            c.close();
                            return null;
                        },
                        false)
                .onFailure(e -> LOG.warn("Closing a turn lock's connection", e));
    }
}
