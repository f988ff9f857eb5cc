package dev.fairway.gateway;

import dev.fairway.engine.EngineConfig;
import dev.fairway.gateway.store.StoreLocation;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/** Everything `fairway serve` needs; built from flags whose defaults come from FAIRWAY_* variables. */
public record GatewayConfig(
        String model,
        String host,
        int port,
        Path database,
        long maxBodyBytes,
        EngineConfig engine,
        int headerTimeoutSeconds,
        int idleTimeoutSeconds,
        String metricsHost,
        int metricsPort,
        boolean metricsPerUser,
        boolean ui,
        StoreLocation.Postgres sharedStore) {

    /** On the SQLite file {@code database} (no shared store). */
    public GatewayConfig(
            String model,
            String host,
            int port,
            Path database,
            long maxBodyBytes,
            EngineConfig engine,
            int headerTimeoutSeconds,
            int idleTimeoutSeconds,
            String metricsHost,
            int metricsPort,
            boolean metricsPerUser,
            boolean ui) {
        this(
                model,
                host,
                port,
                database,
                maxBodyBytes,
                engine,
                headerTimeoutSeconds,
                idleTimeoutSeconds,
                metricsHost,
                metricsPort,
                metricsPerUser,
                ui,
                null);
    }

    /** With the web chat at `/` (`--no-ui` turns it off). */
    public GatewayConfig(
            String model,
            String host,
            int port,
            Path database,
            long maxBodyBytes,
            EngineConfig engine,
            int headerTimeoutSeconds,
            int idleTimeoutSeconds,
            String metricsHost,
            int metricsPort,
            boolean metricsPerUser) {
        this(
                model,
                host,
                port,
                database,
                maxBodyBytes,
                engine,
                headerTimeoutSeconds,
                idleTimeoutSeconds,
                metricsHost,
                metricsPort,
                metricsPerUser,
                true);
    }

    public GatewayConfig withUi(boolean on) {
        return new GatewayConfig(
                model,
                host,
                port,
                database,
                maxBodyBytes,
                engine,
                headerTimeoutSeconds,
                idleTimeoutSeconds,
                metricsHost,
                metricsPort,
                metricsPerUser,
                on,
                sharedStore);
    }

    /** Users and conversations in a PostgreSQL database shared with other nodes, instead of the SQLite file. */
    public GatewayConfig withSharedStore(StoreLocation.Postgres at) {
        return new GatewayConfig(
                model,
                host,
                port,
                database,
                maxBodyBytes,
                engine,
                headerTimeoutSeconds,
                idleTimeoutSeconds,
                metricsHost,
                metricsPort,
                metricsPerUser,
                ui,
                at);
    }

    /** Where users and conversations live. */
    public StoreLocation store() {
        return sharedStore != null ? sharedStore : new StoreLocation.SqliteFile(database);
    }

    public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

    /** /metrics on a listener of its own (metricsHost:metricsPort) instead of the API port. */
    public boolean separateMetrics() {
        return metricsPort >= 0;
    }

    public boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public void print(PrintStream out) {
        out.println("Fairway configuration:");
        out.println("  model            " + model);
        out.println("  host:port        " + host + ":" + port
                + (loopback() ? " (loopback: open without users)" : " (API keys required)"));
        out.println("  web chat         " + (ui ? "at / (open the server's address in a browser)" : "off (--no-ui)"));
        out.println("  database         "
                + (sharedStore != null ? sharedStore + " (shared PostgreSQL)" : database.toAbsolutePath()));
        out.println("  max body         " + maxBodyBytes + " bytes");
        out.println("  timeouts         request " + seconds(headerTimeoutSeconds) + ", idle keep-alive "
                + seconds(idleTimeoutSeconds));
        out.println("  metrics          "
                + (separateMetrics()
                        ? "http://" + metricsHost + ":" + metricsPort + "/metrics (no key)"
                        : "/metrics on the API port" + (loopback() ? "" : " (API key required)"))
                + ", per-user labels " + (metricsPerUser ? "on" : "off"));
        out.println("  weight type      " + (engine.weightType() == null ? "as stored" : engine.weightType()));
        out.println("  kv cache         "
                + (engine.kvCacheTokens() > 0 ? engine.kvCacheTokens() + " tokens" : engine.kvCacheMb() + " MB")
                + ", block " + engine.blockSize() + " tokens, prefix caching "
                + (engine.prefixCaching() ? "on" : "off"));
        out.println("  batch            " + engine.maxBatchTokens() + " tokens/step, " + engine.maxRunningSequences()
                + " running, " + engine.maxWaitingRequests() + " waiting max");
        out.println("  scheduling       " + engine.policy() + ", " + engine.threads() + " threads");
        out.flush();
    }

    private static String seconds(int s) {
        return s > 0 ? s + " s" : "off";
    }
}
