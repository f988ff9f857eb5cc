package dev.fairway.bench.loadgen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.Locale;
import java.util.Map;

/** Renders a LoadReport as a readable table or as one JSON object (snake_case keys). */
public final class ReportRenderer {
    private static final ObjectMapper JSON =
            new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ReportRenderer() {}

    public static String json(LoadReport r) {
        try {
            return JSON.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String table(LoadReport r) {
        StringBuilder sb = new StringBuilder();
        line(sb, "Target", r.baseUrl() + "  model " + r.model());
        line(sb, "Load", r.load());
        line(sb, "Prompts", r.prompts() + ", max_tokens " + r.maxTokens() + (r.ignoreEos() ? ", ignore_eos" : ""));
        line(
                sb,
                "Requests",
                r.completed() + " ok, " + r.failed() + " failed in " + f(r.durationS(), 2) + " s"
                        + (r.warmupRequests() > 0
                                ? "  (after " + r.warmupRequests() + " warmup, " + r.warmupErrors() + " failed)"
                                : ""));
        line(
                sb,
                "Throughput",
                f(r.requestThroughput(), 2) + " req/s   " + f(r.outputTokPerS(), 1) + " output tok/s   "
                        + f(r.totalTokPerS(), 1) + " total tok/s");
        line(
                sb,
                "Tokens",
                "output " + r.outputTokens() + ", prompt " + (r.promptTokens() == null ? "n/a" : r.promptTokens())
                        + (r.meanPromptTokens() == null ? "" : " (mean " + f(r.meanPromptTokens(), 1) + ")") + "  ["
                        + r.tokenSource() + "]");
        sb.append('\n');
        sb.append(String.format(
                Locale.ROOT, "%-14s %10s %10s %10s %10s %8s%n", "Latency (ms)", "mean", "p50", "p90", "p99", "n"));
        row(sb, "TTFT", r.ttftMs());
        row(sb, "ITL", r.itlMs());
        row(sb, "TPOT", r.tpotMs());
        row(sb, "E2E", r.e2eMs());
        if (r.users().size() > 1) {
            sb.append('\n');
            sb.append(String.format(
                    Locale.ROOT,
                    "%-14s %10s %8s %8s %10s %12s %12s%n",
                    "User",
                    "conc",
                    "ok",
                    "failed",
                    "out tok",
                    "out tok/s",
                    "TTFT p50"));
            for (LoadReport.UserStats u : r.users()) {
                sb.append(String.format(
                        Locale.ROOT,
                        "%-14s %10s %8d %8d %10d %12s %12s%n",
                        u.name(),
                        u.concurrency(),
                        u.completed(),
                        u.failed(),
                        u.outputTokens(),
                        f(u.outputTokPerS(), 1),
                        f(u.ttftMs().p50(), 1)));
            }
            line(
                    sb,
                    "Fairness",
                    "Jain's index over per-user output tok/s: "
                            + (r.jainFairness() == null ? "n/a" : f(r.jainFairness(), 3)));
        }
        sb.append('\n');
        if (r.errors().isEmpty()) {
            line(sb, "Errors", "none");
        } else {
            line(sb, "Errors", "");
            for (Map.Entry<String, Integer> e : r.errors().entrySet()) {
                sb.append(String.format(
                        Locale.ROOT,
                        "  %-18s %6d   e.g. %s%n",
                        e.getKey(),
                        e.getValue(),
                        r.errorExamples().getOrDefault(e.getKey(), "")));
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, String text) {
        sb.append(String.format(Locale.ROOT, "%-12s %s", label, text).stripTrailing())
                .append('\n');
    }

    private static void row(StringBuilder sb, String name, Summary s) {
        sb.append(String.format(
                Locale.ROOT,
                "%-14s %10s %10s %10s %10s %8d%n",
                name,
                f(s.mean(), 2),
                f(s.p50(), 2),
                f(s.p90(), 2),
                f(s.p99(), 2),
                s.count()));
    }

    private static String f(Double v, int decimals) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
