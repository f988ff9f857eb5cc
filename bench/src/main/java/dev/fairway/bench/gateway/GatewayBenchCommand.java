package dev.fairway.bench.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.cli.options.DefaultsFor;
import dev.fairway.cli.options.EngineOptions;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.http.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway bench gateway`: what the HTTP layer costs. One engine, loaded once, is driven by N concurrent closed-loop
 * streams twice: through Engine.submit in-process and through the gateway's SSE endpoint on loopback. At N streams
 * TTFT is mostly queueing behind other streams, so the TTFT the gateway adds is also measured on the idle engine,
 * one request at a time.
 */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = GatewayBenchCommand.Defaults.class,
        description = {
            "Gateway streaming overhead: aggregate output tok/s and TTFT of N concurrent streams,",
            "HTTP SSE (/v1/chat/completions) vs in-process Engine.submit, same engine, same run;",
            "and the TTFT added to single requests on the idle engine (paired, alternating).",
            "Defaults: --model ../shared/models/stories260K, --kv-mb 256, --max-running at least --streams.",
            "The prefix cache is on by default: requests share the chat template's cached opening, as chats do, so an",
            "idle request's TTFT is one short step and the engine's run-to-run noise (+-20% on a shared VM) does not",
            "hide the milliseconds the gateway adds. --no-prefix-caching prefills every prompt whole."
        })
public final class GatewayBenchCommand implements Callable<Integer> {
    /** The engine options, with the tiny test model and a smaller KV cache as defaults; max-running at least --streams. */
    @Mixin
    EngineOptions engineOptions;

    static final class Defaults extends DefaultsFor {
        Defaults() {
            super(
                    "--model",
                    "${env:FAIRWAY_MODEL:-../shared/models/stories260K}",
                    "--kv-mb",
                    "${env:FAIRWAY_KV_MB:-256}");
        }
    }

    @Option(names = "--streams", defaultValue = "16", description = "Concurrent streams (default ${DEFAULT-VALUE}).")
    int streams;

    @Option(
            names = "--requests-per-stream",
            defaultValue = "4",
            description = "Requests each stream sends one after the other (default ${DEFAULT-VALUE}).")
    int requestsPerStream;

    @Option(
            names = "--max-tokens",
            defaultValue = "128",
            description = "Tokens per request, EOS ignored (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--prompt",
            defaultValue = "Once upon a time",
            description = "User message (default '${DEFAULT-VALUE}').")
    String prompt;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description =
                    "Alternating in-process/HTTP rounds, merged (default ${DEFAULT-VALUE}); evens out drift from other load.")
    int rounds;

    @Option(
            names = "--warmup",
            defaultValue = "2",
            description =
                    "Unmeasured requests per stream on each path first (default ${DEFAULT-VALUE}): the HTTP path has more code to JIT-compile, which would otherwise compete with the first measured rounds.")
    int warmup;

    @Option(
            names = "--idle-samples",
            defaultValue = "300",
            description =
                    "Single requests on the idle engine, alternating paths, for the added TTFT without queueing (default ${DEFAULT-VALUE}; 0 = skip).")
    int idleSamples;

    @Option(
            names = "--idle-warmup",
            defaultValue = "3000",
            description =
                    "Unrecorded pairs of one-token requests first, so the "
                            + "per-request code is compiled as in a server that has run a while (default ${DEFAULT-VALUE}; ~2 min on SmolLM2-135M).")
    int idleWarmup;

    @Option(
            names = "--idle-max-tokens",
            defaultValue = "8",
            description = "Tokens per idle-TTFT request (default ${DEFAULT-VALUE}).")
    int idleMaxTokens;

    @Option(
            names = "--client",
            defaultValue = "LOOPBACK",
            description =
                    "HTTP client: LOOPBACK (minimal HTTP/1.1, one connection and thread per stream) or JDK (java.net.http) (default ${DEFAULT-VALUE}).")
    HttpStreams.Client client;

    @Option(names = "--cpu", description = "Also print CPU time per thread group for each round (where the cores go).")
    boolean cpu;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream log = json ? System.err : System.out;
        String model = engineOptions.requireModel();
        EngineConfig engineConfig = engineOptions
                .builder()
                .maxRunningSequences(Math.max(engineOptions.maxRunning(), streams))
                .build();
        Path db = Files.createTempDirectory("fairway-bench").resolve("bench.db");
        try (Engine engine = Engine.open(engineConfig)) {
            GatewayConfig config = new GatewayConfig(
                    model,
                    "127.0.0.1",
                    0,
                    db,
                    1 << 20,
                    engineConfig,
                    GatewayConfig.DEFAULT_HEADER_TIMEOUT_SECONDS,
                    GatewayConfig.DEFAULT_IDLE_TIMEOUT_SECONDS,
                    "127.0.0.1",
                    -1,
                    false);
            try (Gateway gateway = Gateway.start(config, log, engine)
                            .toCompletionStage()
                            .toCompletableFuture()
                            .join();
                    StreamLoad load = new StreamLoad(streams, maxTokens, prompt, client)) {
                log.println("warm-up: " + warmup + " requests per stream on each path");
                for (int i = 0; i < warmup; i++) {
                    load.inProcess(engine, 1);
                    load.overHttp(gateway.baseUrl(), 1);
                }
                IdleTtft.Result idle = null;
                if (idleSamples > 0) {
                    log.println("idle TTFT: " + idleWarmup + " + " + idleSamples
                            + " single requests per path, alternating");
                    var before = cpu ? CpuByThread.snapshot() : null;
                    try (StreamLoad warm = new StreamLoad(1, 1, prompt, client);
                            StreamLoad single = new StreamLoad(1, idleMaxTokens, prompt, client)) {
                        idle = IdleTtft.measure(warm, single, engine, gateway.baseUrl(), idleWarmup, idleSamples);
                    }
                    if (cpu) log.print("  CPU ms by thread, idle TTFT pairs:\n" + CpuByThread.since(before));
                }
                StreamLoad.Result[] results = rounds(log, load, engine, gateway.baseUrl());
                report(engine.modelInfo().id(), results[0], results[1], idle);
            }
        }
        return 0;
    }

    /** CPU of the gateway's (Vert.x) threads and of the engine's threads during the HTTP rounds. */
    private long httpGatewayCpuNanos, httpEngineCpuNanos;

    /** In-process and HTTP results, merged over rounds that alternate which path goes first. */
    private StreamLoad.Result[] rounds(PrintStream log, StreamLoad load, Engine engine, String baseUrl)
            throws Exception {
        StreamLoad.Result direct = StreamLoad.Result.EMPTY;
        StreamLoad.Result http = StreamLoad.Result.EMPTY;
        for (int round = 0; round < rounds; round++) {
            log.println("round " + (round + 1) + "/" + rounds + ": " + streams + " streams x " + requestsPerStream
                    + " requests x " + maxTokens + " tokens, in-process and over HTTP SSE");
            for (int half = 0; half < 2; half++) {
                boolean inProcess = (round + half) % 2 == 0;
                var before = CpuByThread.snapshot();
                if (inProcess) direct = direct.plus(load.inProcess(engine, requestsPerStream));
                else http = http.plus(load.overHttp(baseUrl, requestsPerStream));
                if (!inProcess) {
                    var after = CpuByThread.snapshot();
                    httpGatewayCpuNanos += CpuByThread.nanos(before, after, "vert.x-");
                    httpEngineCpuNanos += CpuByThread.nanos(before, after, "fairway-");
                }
                if (cpu)
                    log.print("  CPU ms by thread, " + (inProcess ? "in-process" : "HTTP SSE") + ":\n"
                            + CpuByThread.since(before));
            }
        }
        return new StreamLoad.Result[] {direct, http};
    }

    /**
     * The capacity the gateway takes from the engine on the same cores. Unlike the wall-clock ratio it does not move
     * with the machine's speed, which varied by +-20% between rounds of identical work on the shared VM.
     */
    private double gatewayCpuPct() {
        return httpEngineCpuNanos == 0 ? Double.NaN : 100.0 * httpGatewayCpuNanos / httpEngineCpuNanos;
    }

    private void report(String modelId, StreamLoad.Result direct, StreamLoad.Result http, IdleTtft.Result idle) {
        double overheadPct = 100.0 * (direct.tokensPerSecond() - http.tokensPerSecond()) / direct.tokensPerSecond();
        if (json) {
            ObjectNode o = Json.object()
                    .put("model", modelId)
                    .put("streams", streams)
                    .put("requests_per_stream", requestsPerStream)
                    .put("rounds", rounds)
                    .put("max_tokens", maxTokens)
                    .put("client", client.name().toLowerCase(Locale.ROOT))
                    .put("cores", Runtime.getRuntime().availableProcessors());
            o.set("in_process", direct.toJson());
            o.set("http_sse", http.toJson());
            o.put("throughput_overhead_pct", round(overheadPct));
            o.put("gateway_cpu_pct_of_engine", round(gatewayCpuPct()));
            o.put("ttft_p50_added_ms", round(http.ttftP50Ms() - direct.ttftP50Ms()));
            if (idle != null) o.set("idle_ttft", idle.toJson());
            System.out.println(Json.write(o));
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "%n%-12s %12s %12s %12s %12s %10s%n",
                "path",
                "tok/s",
                "TTFT p50 ms",
                "TTFT p95 ms",
                "ITL p50 ms",
                "tokens");
        for (var row : new Object[][] {{"in-process", direct}, {"HTTP SSE", http}}) {
            StreamLoad.Result r = (StreamLoad.Result) row[1];
            System.out.printf(
                    Locale.ROOT,
                    "%-12s %12.1f %12.2f %12.2f %12.3f %10d%n",
                    row[0],
                    r.tokensPerSecond(),
                    r.ttftP50Ms(),
                    r.ttftP95Ms(),
                    r.itlP50Ms(),
                    r.tokens());
        }
        System.out.printf(
                Locale.ROOT,
                "gateway throughput overhead at %d streams: %.1f%%, TTFT p50 added: %.2f ms (%s client)%n",
                streams,
                overheadPct,
                http.ttftP50Ms() - direct.ttftP50Ms(),
                client.name().toLowerCase(Locale.ROOT));
        System.out.printf(
                Locale.ROOT,
                "gateway threads' CPU while streaming over HTTP: %.1f%% of the engine's (%d ms vs %d ms)%n",
                gatewayCpuPct(),
                httpGatewayCpuNanos / 1_000_000,
                httpEngineCpuNanos / 1_000_000);
        if (idle != null) {
            System.out.printf(
                    Locale.ROOT,
                    "idle TTFT (1 request at a time, %d pairs, %d tokens): in-process p50 %.2f ms, HTTP p50 %.2f ms, "
                            + "added per pair p50 %.2f ms (95%% CI %.2f-%.2f ms, p90 %.2f ms)%n",
                    idle.added().size(),
                    idleMaxTokens,
                    idle.directP50Ms(),
                    idle.httpP50Ms(),
                    idle.addedP50Ms(),
                    idle.addedP50Ci95Ms()[0],
                    idle.addedP50Ci95Ms()[1],
                    idle.addedP90Ms());
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
