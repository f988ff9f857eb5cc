package dev.fairway.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.gateway.PostgresCluster;
import dev.fairway.gateway.TestGateway;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * V3 on a store that already holds conversations, on both databases: the messages survive the SQLite table rebuild and
 * the PostgreSQL constraint swap, gain empty tool columns, and the tool role is then accepted (other roles still not).
 */
class ToolCallsMigrationTest {

    @Test
    void sqliteKeepsTheMessagesAndAcceptsToolResults() throws SQLException {
        upgrades(Database.dataSource(TestGateway.tempDb()), "classpath:db/migration");
    }

    @Test
    void postgresqlKeepsTheMessagesAndAcceptsToolResults() throws SQLException {
        upgrades(Postgres.dataSource(PostgresCluster.get().newDatabase()), Dialect.POSTGRESQL.migrations());
    }

    private static void upgrades(DataSource ds, String location) throws SQLException {
        Flyway.configure().dataSource(ds).locations(location).target("2").load().migrate();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO conversations (id, owner, title, metadata, created_at, updated_at) "
                    + "VALUES ('conv_1', 'alice', 't', '{}', 1, 2)");
            s.executeUpdate("INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) "
                    + "VALUES ('msg_1', 'conv_1', 1, 'user', 'Once upon a time', 'completed', 1)");
            s.executeUpdate("INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) "
                    + "VALUES ('msg_2', 'conv_1', 2, 'assistant', ', there was', 'partial', 2)");
        }
        Flyway.configure().dataSource(ds).locations(location).load().migrate();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT id, seq, role, content, status, created_at, tool_calls, "
                    + "tool_call_id FROM messages WHERE conversation_id = 'conv_1' ORDER BY seq")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("msg_1");
                assertThat(r.getString(3)).isEqualTo("user");
                assertThat(r.getString(4)).isEqualTo("Once upon a time");
                assertThat(r.getString(7)).isNull();
                assertThat(r.getString(8)).isNull();
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo("msg_2");
                assertThat(r.getInt(2)).isEqualTo(2);
                assertThat(r.getString(5)).isEqualTo("partial");
                assertThat(r.getLong(6)).isEqualTo(2);
                assertThat(r.next()).isFalse();
            }
            s.executeUpdate("INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, "
                    + "tool_call_id) VALUES ('msg_3', 'conv_1', 3, 'tool', 'sunny', 'completed', 3, 'call_1')");
            assertThatThrownBy(() -> s.executeUpdate(
                            "INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at) "
                                    + "VALUES ('msg_4', 'conv_1', 4, 'robot', 'x', 'completed', 4)"))
                    .isInstanceOf(SQLException.class);
            // the foreign key still holds: deleting the conversation deletes its messages
            s.executeUpdate("DELETE FROM conversations WHERE id = 'conv_1'");
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM messages")) {
                r.next();
                assertThat(r.getInt(1)).isZero();
            }
        }
    }
}
