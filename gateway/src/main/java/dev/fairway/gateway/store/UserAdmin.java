package dev.fairway.gateway.store;

import dev.fairway.gateway.auth.ApiKeys;
import dev.fairway.gateway.auth.AuthHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** User management for the CLI (plain JDBC; the server may be running on the same file meanwhile). */
public final class UserAdmin {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    public record User(String name, long createdAtMillis) {}

    /** What a user name may be (also checked for the open server's X-Fairway-User header). */
    public static final String NAME_RULE = "user names are 1-64 characters: letters, digits, '.', '_', '@', '-'";

    private final DataSource dataSource;

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public UserAdmin(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Creates the user and returns its new API key (the only time it exists in clear). */
    public String add(String name) throws SQLException {
        if (!validName(name)) throw new IllegalArgumentException(NAME_RULE);
        if (AuthHandler.LOCAL_USER.equalsIgnoreCase(name)) { // it would see every conversation made in open mode
            throw new IllegalArgumentException("the name '" + AuthHandler.LOCAL_USER + "' is reserved: it is who every "
                    + "caller of an open server (loopback, no users) is; choose another name");
        }
        String key = ApiKeys.newKey();
        try (Connection c = dataSource.getConnection();
                PreparedStatement exists = c.prepareStatement("SELECT 1 FROM users WHERE name = ?")) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) throw new IllegalArgumentException("user '" + name + "' already exists");
            }
            try (PreparedStatement insert =
                    c.prepareStatement("INSERT INTO users (name, key_hash, created_at) VALUES (?, ?, ?)")) {
                insert.setString(1, name);
                insert.setString(2, ApiKeys.hash(key));
                insert.setLong(3, System.currentTimeMillis());
                insert.executeUpdate();
            }
        }
        return key;
    }

    public List<User> list() throws SQLException {
        List<User> users = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT name, created_at FROM users ORDER BY name");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) users.add(new User(rs.getString(1), rs.getLong(2)));
        }
        return users;
    }

    public boolean remove(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("DELETE FROM users WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() > 0;
        }
    }

    public int count() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM users");
                ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
