package dev.fairway.gateway.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/** Connections to a shared PostgreSQL store and its schema (Flyway, the db/postgresql migrations). */
public final class Postgres {
    private Postgres() {}

    /** Unpooled: the writer keeps one connection, the read pool and the turn locks manage their own. */
    public static PGSimpleDataSource dataSource(StoreLocation.Postgres at) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {at.host()});
        ds.setPortNumbers(new int[] {at.port()});
        ds.setDatabaseName(at.database());
        ds.setUser(at.user());
        if (at.password() != null) ds.setPassword(at.password());
        ds.setApplicationName("fairway");
        ds.setConnectTimeout(10);
        // a node that vanished without closing its socket (power loss) must not hold turn locks for hours
        ds.setTcpKeepAlive(true);
        return ds;
    }

    /** Blocking. Flyway takes a PostgreSQL lock while it migrates, so nodes starting together do not race. */
    public static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(Dialect.POSTGRESQL.migrations())
                .load()
                .migrate();
    }
}
