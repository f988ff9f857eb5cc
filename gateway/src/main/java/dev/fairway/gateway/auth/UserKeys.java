package dev.fairway.gateway.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * The users table in memory (key hash -> name), exact at every request. `fairway users remove` commits from
 * another process, so an in-process invalidation would miss it, and a TTL would let a revoked key work on for a
 * while. Instead each request reads SQLite's `PRAGMA data_version`, which changes whenever another connection
 * committed: unchanged, the copy is used (no worker round trip); changed, the table is reloaded first.
 * The version is read on the event loop through a connection of its own that never waits for a lock (a few
 * microseconds; a busy database just means a reload). On a shared PostgreSQL store see {@link #polling}.
 * Confined to one event loop, the verticle's.
 */
public final class UserKeys implements AutoCloseable {
    private record Snapshot(long version, Map<String, String> userByHash) {}

    /** How long a shared store's copy is used before it is read again: a removed key works at most this long. */
    public static final Duration SHARED_STORE_REFRESH = Duration.ofMillis(500);

    private final LongSupplier version;
    private final AutoCloseable probe;
    private final Pool pool;
    private volatile Snapshot snapshot;
    private Future<Snapshot> reloading;
    private long reloadingVersion;

    /** Blocking (opens a connection): call on a worker. */
    public static UserKeys open(DataSource dataSource, Pool pool) throws SQLException {
        Connection probe = dataSource.getConnection();
        try (Statement s = probe.createStatement()) {
            s.execute("PRAGMA busy_timeout = 0");
        }
        PreparedStatement dataVersion = probe.prepareStatement("PRAGMA data_version");
        return new UserKeys(() -> dataVersion(dataVersion), probe, pool);
    }

    /**
     * On a shared PostgreSQL store, where other nodes and `fairway users` commit from afar and nothing like SQLite's
     * data_version exists: the version is the current {@link #SHARED_STORE_REFRESH} period, so the table is read
     * again at most twice a second and only while requests come.
     */
    public static UserKeys polling(Pool pool) {
        long period = SHARED_STORE_REFRESH.toNanos();
        long origin = System.nanoTime(); // nanoTime may be negative; versions must not be (-1 means "unknown")
        return new UserKeys(() -> (System.nanoTime() - origin) / period, () -> {}, pool);
    }

    private UserKeys(LongSupplier version, AutoCloseable probe, Pool pool) {
        this.version = version;
        this.probe = probe;
        this.pool = pool;
    }

    /** Every user's name by key hash, as committed right now. */
    public Future<Map<String, String>> current() {
        long version = this.version.getAsLong();
        if (version >= 0 && snapshot != null && snapshot.version() == version)
            return Future.succeededFuture(snapshot.userByHash());
        boolean joinable = version >= 0 && reloading != null && !reloading.isComplete() && reloadingVersion == version;
        if (!joinable) {
            reloadingVersion = version;
            reloading = reload(version);
        }
        return reloading.map(Snapshot::userByHash);
    }

    /** The version was read before the rows: a commit in between only makes the next request reload again. */
    private Future<Snapshot> reload(long version) {
        return pool.query("SELECT key_hash, name FROM users").execute().map(rows -> {
            Map<String, String> users = new HashMap<>();
            for (Row row : rows) users.put(row.getString(0), row.getString(1));
            Snapshot loaded = new Snapshot(version, Map.copyOf(users));
            if (version >= 0) snapshot = loaded; // tagged with its own version: right in whatever order reloads end
            return loaded;
        });
    }

    /** -1 when SQLite is busy (matches no snapshot). */
    private static long dataVersion(PreparedStatement dataVersion) {
        try (ResultSet rs = dataVersion.executeQuery()) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }

    @Override
    public void close() throws Exception {
        probe.close();
    }
}
