package dev.fairway.gateway;

import static org.assertj.core.api.Assumptions.assumeThat;

import dev.fairway.gateway.store.StoreLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster from Debian's binaries (/usr/lib/postgresql/N/bin), in a temp folder, on a free
 * loopback port, one per test JVM, stopped at exit. Password authentication over TCP (scram), so the tests pass
 * the password the way an operator does ($FAIRWAY_DB_PASSWORD). PostgreSQL refuses to run as root: under root
 * (containers, CI) the cluster runs as the `postgres` user (Debian's package creates it) through runuser.
 * Without the binaries the tests are skipped, unless -Dfairway.postgres.required=true (./fairway test) fails them.
 */
public final class PostgresCluster {
    public static final String USER = "fairway";
    public static final String PASSWORD = "test-only-password";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresCluster instance;

    private final Path bin;
    private final Path dir;
    private final int port;
    private final List<String> asUser;

    private PostgresCluster(Path bin, Path dir, int port, List<String> asUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asUser = asUser;
    }

    /** The cluster, started on first use; skips (or fails, when required) the calling test without PostgreSQL. */
    public static synchronized PostgresCluster get() {
        if (instance == null) {
            Path bin = binaries();
            if (bin == null) {
                if (Boolean.getBoolean("fairway.postgres.required"))
                    throw new IllegalStateException("PostgreSQL is required (apt-get install postgresql)");
                assumeThat(bin)
                        .as("PostgreSQL binaries (apt-get install postgresql)")
                        .isNotNull();
            }
            instance = start(bin);
            PostgresCluster c = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
        }
        return instance;
    }

    /** A new empty database in the cluster, as the gateway's --db would name it (password included). */
    public StoreLocation.Postgres newDatabase() {
        String name = "fairway_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new StoreLocation.Postgres("127.0.0.1", port, name, USER, PASSWORD);
    }

    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    public int port() {
        return port;
    }

    private static Path binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) return null;
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> Integer.parseInt(
                            b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static PostgresCluster start(Path bin) {
        try {
            Path dir = Files.createTempDirectory("fairway-pg");
            List<String> asUser = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                UserPrincipal postgres =
                        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(dir, postgres);
                asUser.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            Path pwfile = dir.resolve("pw");
            Files.writeString(pwfile, PASSWORD + "\n");
            if (!asUser.isEmpty()) Files.setOwner(pwfile, Files.getOwner(dir));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            PostgresCluster c = new PostgresCluster(bin, dir, port, asUser);
            c.run(
                    bin.resolve("initdb").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-U",
                    USER,
                    "--pwfile=" + pwfile,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-sync");
            // -t 300: pg_ctl's own 60 s wait is short for a loaded 2-core machine
            c.run(
                    bin.resolve("pg_ctl").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-l",
                    dir.resolve("log").toString(),
                    "-w",
                    "-t",
                    "300",
                    "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=200",
                    "start");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(String... command) {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("commands.log").toFile())
                    .start();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                String log = Files.readString(dir.resolve("commands.log"));
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Immediate: the cluster is thrown away anyway. */
    private void stop() {
        try {
            run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "stop");
        } catch (RuntimeException ignored) {
            // already gone
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind
        }
    }
}
