package dev.fairway.bench.loadgen;

import dev.fairway.testkit.Stats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Aggregated result of a run (the --json object). Token totals count successful requests only and use the
 * server's usage when it sent one (tokenSource says which); latencies are in milliseconds.
 */
public record LoadReport(
        String baseUrl,
        String model,
        String load,
        Integer concurrency,
        Double rate,
        String prompts,
        int maxTokens,
        boolean ignoreEos,
        int warmupRequests,
        int warmupErrors,
        int requests,
        int completed,
        int failed,
        double durationS,
        double requestThroughput,
        double outputTokPerS,
        double totalTokPerS,
        long outputTokens,
        Long promptTokens,
        Double meanPromptTokens,
        String tokenSource,
        Summary ttftMs,
        Summary itlMs,
        Summary tpotMs,
        Summary e2eMs,
        List<UserStats> users,
        Double jainFairness,
        Map<String, Integer> errors,
        Map<String, String> errorExamples) {

    public record UserStats(
            String name,
            String concurrency,
            int completed,
            int failed,
            long outputTokens,
            double outputTokPerS,
            Summary ttftMs) {}

    static LoadReport build(
            LoadConfig cfg, String model, List<RequestRecord> records, List<RequestRecord> warmup, long wallNanos) {
        double seconds = Math.max(wallNanos, 1) / 1e9;
        List<RequestRecord> ok = records.stream().filter(RequestRecord::ok).toList();
        long out = 0, prompt = 0;
        int withUsage = 0, withPrompt = 0;
        for (RequestRecord r : ok) {
            out += r.outputTokens();
            if (r.hasUsage()) withUsage++;
            if (r.promptTokens() >= 0) {
                prompt += r.promptTokens();
                withPrompt++;
            }
        }
        String source = ok.isEmpty()
                ? "none"
                : withUsage == ok.size()
                        ? "server usage"
                        : withUsage == 0
                                ? "client (content chunks; server sent no usage)"
                                : "mixed (server usage for " + withUsage + "/" + ok.size() + ")";
        Long promptTotal = withPrompt == ok.size() && !ok.isEmpty() ? prompt : null;

        List<UserStats> users = new ArrayList<>();
        double[] perUserTps = new double[cfg.users().size()];
        for (int i = 0; i < cfg.users().size(); i++) {
            SimUser u = cfg.users().get(i);
            long uo = 0;
            int uok = 0, ufail = 0;
            List<RequestRecord> mine = new ArrayList<>();
            for (RequestRecord r : records) {
                if (!r.user().equals(u.name())) continue;
                if (r.ok()) {
                    uok++;
                    uo += r.outputTokens();
                    mine.add(r);
                } else ufail++;
            }
            perUserTps[i] = uo / seconds;
            users.add(new UserStats(
                    u.name(), LoadConfig.conc(u.concurrency()), uok, ufail, uo, perUserTps[i], ms(ttfts(mine))));
        }

        Map<String, Integer> errors = new TreeMap<>();
        Map<String, String> examples = new LinkedHashMap<>();
        for (RequestRecord r : records) {
            if (r.ok()) continue;
            errors.merge(r.error(), 1, Integer::sum);
            examples.putIfAbsent(r.error(), r.errorDetail());
        }

        List<Double> itl = new ArrayList<>(), tpot = new ArrayList<>();
        double[] e2e = new double[ok.size()];
        for (int i = 0; i < ok.size(); i++) {
            RequestRecord r = ok.get(i);
            for (long g : r.itlNanos()) itl.add((double) g);
            if (r.tpotNanos() >= 0) tpot.add((double) r.tpotNanos());
            e2e[i] = r.e2eNanos();
        }
        return new LoadReport(
                cfg.baseUrl().toString(),
                model,
                cfg.describeLoad(),
                totalConcurrency(cfg),
                cfg.rate(),
                cfg.prompts().describe(),
                cfg.maxTokens(),
                cfg.ignoreEos(),
                warmup.size(),
                (int) warmup.stream().filter(r -> !r.ok()).count(),
                records.size(),
                ok.size(),
                records.size() - ok.size(),
                seconds,
                ok.size() / seconds,
                out / seconds,
                (out + (promptTotal == null ? 0 : promptTotal)) / seconds,
                out,
                promptTotal,
                withPrompt == 0 ? null : (double) prompt / withPrompt,
                source,
                ms(ttfts(ok)),
                ms(unbox(itl)),
                ms(unbox(tpot)),
                ms(e2e),
                users,
                fairness(perUserTps),
                errors,
                examples);
    }

    /** Jain's index over per-user output tok/s; null (n/a) with fewer than 2 users or when nobody got a token. */
    static Double fairness(double[] perUserTps) {
        if (perUserTps.length < 2 || Arrays.stream(perUserTps).allMatch(t -> t == 0)) return null;
        return nanToNull(Stats.jain(perUserTps));
    }

    /** Sum of the users' concurrency; null when unlimited (rate mode without a cap). */
    private static Integer totalConcurrency(LoadConfig cfg) {
        long sum = 0;
        for (SimUser u : cfg.users()) {
            if (u.concurrency() == LoadConfig.UNLIMITED) return null;
            sum += u.concurrency();
        }
        return (int) sum;
    }

    private static double[] ttfts(List<RequestRecord> rs) {
        return rs.stream()
                .filter(r -> r.ttftNanos() >= 0)
                .mapToDouble(RequestRecord::ttftNanos)
                .toArray();
    }

    private static double[] unbox(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Summary ms(double[] nanos) {
        double[] v = new double[nanos.length];
        for (int i = 0; i < v.length; i++) v[i] = nanos[i] / 1e6;
        return Summary.of(v);
    }

    private static Double nanToNull(double d) {
        return Double.isNaN(d) ? null : d;
    }
}
