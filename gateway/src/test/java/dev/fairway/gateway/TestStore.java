package dev.fairway.gateway;

import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.Postgres;
import dev.fairway.gateway.store.StoreLocation;
import dev.fairway.gateway.store.UserAdmin;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/** The store a test runs on: a fresh SQLite file, or a fresh database in the test PostgreSQL cluster. */
public sealed interface TestStore {
    /** Writable and migrated (users are added through it, as `fairway users` does). */
    DataSource dataSource();

    /** A test gateway on this store. */
    GatewayConfig config();

    /** How long a removed key may still work on a server: SQLite servers see it at once, shared ones poll. */
    Duration revocationDelay();

    default UserAdmin admin() {
        return new UserAdmin(dataSource());
    }

    default String addUser(String name) throws SQLException {
        return admin().add(name);
    }

    static TestStore sqlite() {
        return new Sqlite(TestGateway.tempDb());
    }

    static TestStore postgres() {
        return new Pg(PostgresCluster.get().newDatabase());
    }

    record Sqlite(Path file) implements TestStore {
        @Override
        public DataSource dataSource() {
            var ds = Database.dataSource(file);
            Database.migrate(ds);
            return ds;
        }

        @Override
        public GatewayConfig config() {
            return TestGateway.config(file);
        }

        @Override
        public Duration revocationDelay() {
            return Duration.ZERO;
        }
    }

    record Pg(StoreLocation.Postgres at) implements TestStore {
        @Override
        public DataSource dataSource() {
            var ds = Postgres.dataSource(at);
            Postgres.migrate(ds);
            return ds;
        }

        @Override
        public GatewayConfig config() {
            return TestGateway.config(TestGateway.tempDb()).withSharedStore(at);
        }

        @Override
        public Duration revocationDelay() {
            return Duration.ofSeconds(2);
        }
    }
}
