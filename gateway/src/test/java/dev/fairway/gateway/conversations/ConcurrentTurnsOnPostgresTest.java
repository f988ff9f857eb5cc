package dev.fairway.gateway.conversations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.TestStore;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/** Every {@link ConcurrentTurnsTest} on a shared PostgreSQL store (a throwaway cluster). */
class ConcurrentTurnsOnPostgresTest extends ConcurrentTurnsTest {
    @Override
    TestStore newStore() {
        return TestStore.postgres();
    }

    /**
     * Every turn released its lock across servers, and no transaction was left open. A turn unlocks on a worker just
     * after its reply is stored, so its client can hear the answer first: polled until the workers are done.
     */
    @Override
    void assertNothingHeld() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long[] held = heldLocksAndOpenTransactions();
        while ((held[0] != 0 || held[1] != 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            held = heldLocksAndOpenTransactions();
        }
        assertThat(held[0]).as("turn locks held").isZero();
        assertThat(held[1]).as("open transactions").isZero();
    }

    private long[] heldLocksAndOpenTransactions() throws Exception {
        try (var c = store.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                + "WHERE l.locktype = 'advisory' AND d.datname = current_database()), "
                                + "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                + "AND state LIKE 'idle in transaction%')")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
