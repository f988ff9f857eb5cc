package dev.fairway.bench.loadgen;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `fairway bench serve`: load an OpenAI-compatible server with streamed chat completions and report latency/throughput. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Load an OpenAI-compatible server (/v1/chat/completions, stream: true) and report",
            "throughput, TTFT, inter-token and end-to-end latency, per-user fairness and errors.",
            "Exit code: 0 = report printed, 1 = every request failed (report still printed), 2 = bad arguments."
        })
public final class ServeBenchCommand implements Callable<Integer> {
    @Option(
            names = "--base-url",
            required = true,
            paramLabel = "URL",
            description = "Server base URL, e.g. http://127.0.0.1:8080 (with or without /v1).")
    String baseUrl;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            description = "Model name to send (default: first of GET /v1/models).")
    String model;

    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            description = "Bearer key of the default user (default: $FAIRWAY_API_KEY, then $OPENAI_API_KEY).")
    String apiKey;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            description = "Requests in flight (default 1); with --rate: cap on requests in flight (default unlimited).")
    Integer concurrency;

    @Option(
            names = "--rate",
            paramLabel = "REQ_PER_S",
            description = "Poisson arrival rate in requests/s instead of a fixed concurrency.")
    Double rate;

    @Option(
            names = "--prompt-tokens",
            paramLabel = "N|MIN:MAX",
            description = "Generated prompt length in tokens (approximate): N or MIN:MAX uniform (default 128).")
    String promptTokens;

    @Option(
            names = "--prompts",
            paramLabel = "FILE",
            description = "JSONL file, one {\"prompt\": \"...\"} per line (used in order, cycling).")
    Path promptsFile;

    @Option(
            names = "--max-tokens",
            paramLabel = "N",
            defaultValue = "128",
            description = "max_tokens per request (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--ignore-eos", description = "Send ignore_eos: true and min_tokens = max_tokens (vLLM, Fairway).")
    boolean ignoreEos;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            description = "Sampling temperature to send (default: server's).")
    Double temperature;

    @Option(
            names = "--user",
            paramLabel = "NAME:KEY[:CONCURRENCY]",
            description =
                    "Simulated user with its own API key and concurrency (default --concurrency); repeatable; replaces the default user.")
    List<String> userSpecs = new ArrayList<>();

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "0",
            description = "Requests sent before measuring (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--requests",
            paramLabel = "N",
            description = "Measured requests (default 100 when --duration is not set).")
    Integer requests;

    @Option(
            names = "--duration",
            paramLabel = "TIME",
            description = "Stop sending after this long, e.g. 30s, 2m (in-flight requests finish).")
    String duration;

    @Option(
            names = "--timeout",
            paramLabel = "TIME",
            defaultValue = "300s",
            description = "Per-request timeout (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "42",
            description = "Seed for prompts and arrivals (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--json-file", paramLabel = "FILE", description = "Also write the JSON object to FILE.")
    Path jsonFile;

    @Option(names = "--no-progress", description = "No progress bar (it is only shown when stdout is a terminal).")
    boolean noProgress;

    @Option(names = "--allow-remote", description = "Allow a target that does not resolve to loopback.")
    boolean allowRemote;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        LoadConfig cfg;
        try {
            cfg = config();
        } catch (IllegalArgumentException e) {
            err.println("fairway bench serve: " + e.getMessage());
            return 2;
        } catch (java.io.IOException e) {
            err.println("fairway bench serve: cannot read " + promptsFile + ": " + e);
            return 2;
        }
        LoadRunner.Result result = new LoadRunner(cfg, err).run(!noProgress);
        LoadReport report = result.report();
        out.print(json ? ReportRenderer.json(report) + "\n" : ReportRenderer.table(report));
        if (jsonFile != null) java.nio.file.Files.writeString(jsonFile, ReportRenderer.json(report) + "\n");
        return report.completed() == 0 && report.requests() > 0 ? 1 : 0;
    }

    LoadConfig config() throws java.io.IOException {
        URI base;
        try {
            base = new URI(baseUrl.trim());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("bad --base-url: " + e.getMessage());
        }
        TargetGuard.check(base, allowRemote);
        if (promptsFile != null && promptTokens != null)
            throw new IllegalArgumentException("use --prompts or --prompt-tokens, not both");
        PromptSource prompts = promptsFile != null
                ? PromptSource.ofJsonl(promptsFile)
                : PromptSource.ofTokens(promptTokens == null ? "128" : promptTokens, seed);
        if (concurrency != null && concurrency < 1) throw new IllegalArgumentException("--concurrency must be >= 1");
        int defaultConcurrency = concurrency != null ? concurrency : rate != null ? LoadConfig.UNLIMITED : 1;
        List<SimUser> users = new ArrayList<>();
        for (String spec : userSpecs) users.add(SimUser.parse(spec, defaultConcurrency));
        if (users.isEmpty()) users.add(new SimUser("default", defaultKey(), defaultConcurrency));
        else if (apiKey != null)
            throw new IllegalArgumentException("--api-key is for the default user; give keys in --user");
        Duration d = duration == null ? null : DurationParser.parse(duration);
        Integer n = requests == null && d == null ? Integer.valueOf(100) : requests;
        return new LoadConfig(
                base,
                model,
                users,
                rate,
                prompts,
                maxTokens,
                ignoreEos,
                temperature,
                warmup,
                n,
                d,
                DurationParser.parse(timeout),
                seed);
    }

    private String defaultKey() {
        if (apiKey != null) return apiKey;
        String k = System.getenv("FAIRWAY_API_KEY");
        if (k == null || k.isBlank()) k = System.getenv("OPENAI_API_KEY");
        return k == null || k.isBlank() ? null : k;
    }
}
