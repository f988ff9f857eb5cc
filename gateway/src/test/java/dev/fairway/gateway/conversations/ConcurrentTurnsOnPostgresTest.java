package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.TestStore;
import java.sql.ResultSet;
import java.sql.Statement;

/** Every {@link ConcurrentTurnsTest} on a shared PostgreSQL store (a throwaway cluster). */
class ConcurrentTurnsOnPostgresTest extends ConcurrentTurnsTest {
    @Override
    TestStore newStore() {
        return TestStore.postgres();
    }

    /** Every turn released its lock across servers, and no transaction was left open. */
    @Override
    void assertNothingHeld() throws Exception {
        try (var c = store.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                + "WHERE l.locktype = 'advisory' AND d.datname = current_database()), "
                                + "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                + "AND state LIKE 'idle in transaction%')")) {
            rs.next();
            assertThat(rs.getLong(1)).as("turn locks held").isZero();
            assertThat(rs.getLong(2)).as("open transactions").isZero();
        }
    }
}
