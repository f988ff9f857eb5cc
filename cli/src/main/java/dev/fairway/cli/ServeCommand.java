package dev.fairway.cli;

import dev.fairway.cli.logging.LogFormat;
import dev.fairway.cli.options.EngineOptions;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.models.ByteSize;
import dev.fairway.gateway.models.KeepAlive;
import dev.fairway.gateway.models.ModelsConfig;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.StoreLocation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `fairway serve`: the OpenAI-compatible server. Every flag has a FAIRWAY_* environment twin; the engine's are {@link EngineOptions}. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve a model over an OpenAI-compatible HTTP API (SSE streaming, users, conversations, /metrics).")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engineOptions;

    @Option(
            names = "--host",
            defaultValue = "${env:FAIRWAY_HOST:-127.0.0.1}",
            description =
                    "Bind address (env FAIRWAY_HOST, default ${DEFAULT-VALUE}). Non-loopback addresses require API keys.")
    String host;

    @Option(
            names = "--port",
            defaultValue = "${env:FAIRWAY_PORT:-8080}",
            description = "Port, 0 = any free (env FAIRWAY_PORT, default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--db",
            defaultValue = "${env:FAIRWAY_DB}",
            description = "Where users and conversations live: an SQLite file (env FAIRWAY_DB, default "
                    + "~/.local/share/fairway/fairway.db), or postgresql://USER@HOST:PORT/DB, a PostgreSQL database "
                    + "several servers share (password from FAIRWAY_DB_PASSWORD or the file FAIRWAY_DB_PASSWORD_FILE).")
    String db;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "${env:FAIRWAY_MAX_BODY_BYTES:-8388608}",
            description = "Largest accepted request body (env FAIRWAY_MAX_BODY_BYTES, default ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(
            names = "--drain-seconds",
            defaultValue = "${env:FAIRWAY_DRAIN_SECONDS:-30}",
            description =
                    "On SIGTERM or Ctrl-C, how long running generations may finish before they are cut (env FAIRWAY_DRAIN_SECONDS, default ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Option(
            names = "--header-timeout",
            defaultValue = "${env:FAIRWAY_HEADER_TIMEOUT:-30}",
            description =
                    "Seconds a client has to send a whole request (headers and body), from connecting or from its request's headers on a kept-alive connection; then it is disconnected. 0 = no limit (env FAIRWAY_HEADER_TIMEOUT, default ${DEFAULT-VALUE}).")
    int headerTimeout;

    @Option(
            names = "--idle-timeout",
            defaultValue = "${env:FAIRWAY_IDLE_TIMEOUT:-60}",
            description =
                    "Seconds a kept-alive connection may wait for its next request before it is closed. 0 = no limit (env FAIRWAY_IDLE_TIMEOUT, default ${DEFAULT-VALUE}).")
    int idleTimeout;

    @Option(
            names = "--metrics-port",
            defaultValue = "${env:FAIRWAY_METRICS_PORT}",
            description =
                    "Serve /metrics on a listener of its own on this port (0 = any free), without API key, and no longer on the API port. Without it /metrics is on the API port: open on a loopback bind, API key required otherwise (env FAIRWAY_METRICS_PORT).")
    Integer metricsPort;

    @Option(
            names = "--metrics-host",
            defaultValue = "${env:FAIRWAY_METRICS_HOST}",
            description =
                    "Bind address of the --metrics-port listener; anyone who can reach it can scrape (env FAIRWAY_METRICS_HOST, default 127.0.0.1).")
    String metricsHost;

    @Option(
            names = "--metrics-per-user",
            negatable = true,
            defaultValue = "${env:FAIRWAY_METRICS_PER_USER:-false}",
            fallbackValue = "true",
            description =
                    "Label token metrics with user names (fairway_user_tokens_total, fairway_user_served_tokens_total); one series per user (env FAIRWAY_METRICS_PER_USER, default ${DEFAULT-VALUE}).")
    boolean metricsPerUser;

    @Option(
            names = "--ui",
            negatable = true,
            defaultValue = "${env:FAIRWAY_UI:-true}",
            fallbackValue = "true",
            description = "Serve the web chat at / (--no-ui: API only; env FAIRWAY_UI, default ${DEFAULT-VALUE}).")
    boolean ui;

    @Option(
            names = "--log-format",
            paramLabel = "FORMAT",
            defaultValue = "${env:FAIRWAY_LOG_FORMAT:-text}",
            description =
                    "text: log lines on standard error, messages on standard output; json: every line (access log, "
                            + "messages, errors) one JSON object on standard output (env FAIRWAY_LOG_FORMAT, default ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(
            names = "--max-loaded-models",
            paramLabel = "N",
            defaultValue = "${env:FAIRWAY_MAX_LOADED_MODELS:-0}",
            description =
                    "With several --model: at most N loaded at once; loading another first unloads the least recently used "
                            + "model that serves no request (requests wait while all are busy). 0 = no limit (env FAIRWAY_MAX_LOADED_MODELS, default ${DEFAULT-VALUE}).")
    int maxLoadedModels;

    @Option(
            names = "--memory-budget",
            paramLabel = "SIZE",
            defaultValue = "${env:FAIRWAY_MEMORY_BUDGET:-0}",
            description =
                    "Memory for the loaded models' weights and KV pools, e.g. 8G or 512M: loading a model first unloads "
                            + "the least recently used models that serve no request until it fits (requests wait while all are busy); "
                            + "a model bigger than the budget is refused. Sizes are estimated from the model files. "
                            + "0 = no limit (env FAIRWAY_MEMORY_BUDGET, default ${DEFAULT-VALUE}).")
    String memoryBudget;

    @Option(
            names = "--models-dir",
            paramLabel = "DIR",
            defaultValue = "${env:FAIRWAY_MODELS_DIR}",
            description =
                    "Offer every model in DIR (each folder with a config.json, each .gguf file), named after the folder or file; "
                            + "found at start and again on each GET /v1/models. Loaded on first use like any --model "
                            + "(env FAIRWAY_MODELS_DIR).")
    Path modelsDir;

    @Option(
            names = "--preload",
            paramLabel = "NAME",
            split = ",",
            defaultValue = "${env:FAIRWAY_PRELOAD}",
            description =
                    "Models loaded at start (names, comma-separated or repeated; 'all' or 'none'); the others load on their first request "
                            + "(env FAIRWAY_PRELOAD, default the first --model).")
    java.util.List<String> preload;

    @Option(
            names = "--load-timeout",
            paramLabel = "SECONDS",
            defaultValue = "${env:FAIRWAY_LOAD_TIMEOUT:-0}",
            description =
                    "How long a request waits for its model to load before 503 with Retry-After (the load goes on). "
                            + "0 = as long as it takes (env FAIRWAY_LOAD_TIMEOUT, default ${DEFAULT-VALUE}).")
    int loadTimeout;

    @Option(
            names = "--keep-alive",
            paramLabel = "DURATION",
            defaultValue = "${env:FAIRWAY_KEEP_ALIVE:--1}",
            description =
                    "How long a model stays loaded after its last request, e.g. 5m, 30s, 1h or seconds; 0 = unload "
                            + "after each request, negative = until another model needs the room. Ollama clients' "
                            + "keep_alive overrides it per request (env FAIRWAY_KEEP_ALIVE, default ${DEFAULT-VALUE}).")
    String keepAlive;

    ModelsConfig models() {
        if (modelsDir == null) engineOptions.requireModel();
        return ModelsConfig.of(
                        engineOptions.models(),
                        modelsDir,
                        maxLoadedModels,
                        ByteSize.parse(memoryBudget, "--memory-budget"),
                        preload,
                        Duration.ofSeconds(loadTimeout))
                .withKeepAlive(keepAlive());
    }

    private Duration keepAlive() {
        try {
            return KeepAlive.parse(keepAlive);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--keep-alive " + keepAlive + ": not a duration (write it like 5m, 30s, 1h, a number of seconds, "
                            + "or -1 for until the room is needed)");
        }
    }

    GatewayConfig config() {
        String model = modelsDir == null
                ? engineOptions.requireModel()
                : models().defaultModel().source();
        if (headerTimeout < 0 || idleTimeout < 0)
            throw new IllegalArgumentException("--header-timeout and --idle-timeout must be >= 0");
        if (metricsHost != null && metricsPort == null)
            throw new IllegalArgumentException("--metrics-host needs --metrics-port");
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535))
            throw new IllegalArgumentException("--metrics-port must be 0..65535");
        StoreLocation store = StoreLocation.parse(db);
        GatewayConfig config = new GatewayConfig(
                        model,
                        host,
                        port,
                        store instanceof StoreLocation.SqliteFile f ? f.file() : Database.defaultPath(),
                        maxBodyBytes,
                        engineOptions.builder().build(),
                        headerTimeout,
                        idleTimeout,
                        metricsHost != null ? metricsHost : "127.0.0.1",
                        metricsPort != null ? metricsPort : -1,
                        metricsPerUser)
                .withUi(ui);
        return store instanceof StoreLocation.Postgres pg ? config.withSharedStore(pg) : config;
    }

    private static void printModels(ModelsConfig models, PrintStream out) {
        if (models.models().size() == 1) return;
        for (ModelsConfig.Spec s : models.models()) {
            out.println("  model " + s.name() + (s.name().equals(s.source()) ? "" : " = " + s.source())
                    + (s == models.defaultModel() ? " (default)" : "")
                    + (models.preload().contains(s.name()) ? ", loaded at start" : ", loaded on first use"));
        }
        out.println("  loaded at once   "
                + (models.maxLoaded() > 0 ? "at most " + models.maxLoaded() : "no limit") + ", memory budget "
                + (models.memoryBudget() > 0 ? ByteSize.format(models.memoryBudget()) : "none") + ", load timeout "
                + (models.loadTimeout().isZero() ? "none" : models.loadTimeout().toSeconds() + " s")
                + ", keep alive " + KeepAlive.describe(models.keepAlive()));
        if (models.modelsDir() != null) out.println("  models dir       " + models.modelsDir());
        out.flush();
    }

    @Override
    public Integer call() throws Exception {
        GatewayConfig config;
        ModelsConfig models;
        LogFormat format;
        try {
            format = LogFormat.parse(logFormat);
            config = config();
            models = models();
        } catch (IllegalArgumentException e) {
            System.err.println("fairway serve: " + e.getMessage());
            return 2;
        }
        format.apply();
        LogFormat.enableAccessLog();
        PrintStream out = format.console("fairway.serve");
        config.print(out);
        printModels(models, out);
        Gateway gateway;
        try {
            gateway = Gateway.start(config, models, out)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (format == LogFormat.JSON)
                LoggerFactory.getLogger("fairway.serve").error("fairway serve: {}", cause.getMessage());
            else System.err.println("fairway serve: " + cause.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            out.println("fairway serve: stopping; running requests get up to " + drainSeconds
                                    + " s to finish");
                            out.flush();
                            gateway.stop(Duration.ofSeconds(Math.max(0, drainSeconds)));
                            out.println("fairway serve: stopped");
                            out.flush();
                            stopped.countDown();
                        },
                        "fairway-shutdown"));
        stopped.await();
        return 0;
    }
}
