package dev.fairway.cli;

import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.Postgres;
import dev.fairway.gateway.store.StoreLocation;
import dev.fairway.gateway.store.UserAdmin;
import java.time.Instant;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.sqlite.SQLiteDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `fairway users add|list|remove`: API keys; a key is printed once and only its hash is kept. */
@Command(
        name = "users",
        mixinStandardHelpOptions = true,
        description = "Manage users and their API keys.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Remove.class})
public final class UsersCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * --db for each subcommand, so it can follow the verb: `fairway users add NAME --db FILE`. On a shared PostgreSQL
     * store every node sees the change within half a second (UserKeys.SHARED_STORE_REFRESH).
     */
    static final class DbOption {
        @Option(
                names = "--db",
                defaultValue = "${env:FAIRWAY_DB}",
                description =
                        "SQLite file (env FAIRWAY_DB, default ~/.local/share/fairway/fairway.db) or "
                                + "postgresql://USER@HOST:PORT/DB (password from FAIRWAY_DB_PASSWORD or FAIRWAY_DB_PASSWORD_FILE).")
        String db;

        UserAdmin admin() {
            return switch (StoreLocation.parse(db)) {
                case StoreLocation.SqliteFile f -> {
                    SQLiteDataSource ds = Database.dataSource(f.file());
                    Database.migrate(ds);
                    yield new UserAdmin(ds);
                }
                case StoreLocation.Postgres pg -> {
                    DataSource ds = Postgres.dataSource(pg);
                    Postgres.migrate(ds);
                    yield new UserAdmin(ds);
                }
            };
        }
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Create a user and print its API key (shown only this once).")
    static final class Add implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DbOption parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            try {
                String key = parent.admin().add(name);
                System.out.println("Created user '" + name + "'. API key (store it now, it is not kept):");
                System.out.println(key);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("fairway users add: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class ListUsers implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DbOption parent;

        @Override
        public Integer call() throws Exception {
            var users = parent.admin().list();
            if (users.isEmpty()) System.out.println("No users: the server is open on loopback addresses only.");
            for (UserAdmin.User u : users)
                System.out.println(u.name() + "\t" + Instant.ofEpochMilli(u.createdAtMillis()));
            return 0;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Delete a user and revoke its key (conversations are kept).")
    static final class Remove implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DbOption parent;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            if (parent.admin().remove(name)) {
                System.out.println("Removed user '" + name + "'.");
                return 0;
            }
            System.err.println("fairway users remove: no user '" + name + "'");
            return 1;
        }
    }
}
