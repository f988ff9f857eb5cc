package dev.fairway.bench.loadgen;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One benchmark run. rate == null: closed loop, each user keeps `concurrency` requests in flight.
 * rate != null: Poisson arrivals at `rate` req/s, each user's concurrency caps its in-flight requests.
 * Stops after `requests` measured requests or after `duration` (whichever first; at least one is set);
 * in-flight requests then finish, each bounded by `timeout`.
 */
public record LoadConfig(
        URI baseUrl,
        String model,
        List<SimUser> users,
        Double rate,
        PromptSource prompts,
        int maxTokens,
        boolean ignoreEos,
        Double temperature,
        int warmup,
        Integer requests,
        Duration duration,
        Duration timeout,
        long seed) {

    public static final int UNLIMITED = Integer.MAX_VALUE;

    public LoadConfig {
        users = List.copyOf(users);
        if (users.isEmpty()) throw new IllegalArgumentException("no users");
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1");
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0");
        if (requests == null && duration == null) throw new IllegalArgumentException("set --requests or --duration");
        if (requests != null && requests < 0) throw new IllegalArgumentException("--requests must be >= 0");
        if (duration != null && (duration.isNegative() || duration.isZero()))
            throw new IllegalArgumentException("--duration must be > 0");
        if (timeout == null || timeout.isNegative() || timeout.isZero())
            throw new IllegalArgumentException("--timeout must be > 0");
        if (rate != null && !(rate > 0)) throw new IllegalArgumentException("--rate must be > 0");
        if (users.stream().map(SimUser::name).distinct().count() != users.size()) {
            throw new IllegalArgumentException("user names must be distinct");
        }
    }

    public String describeLoad() {
        String perUser = users.size() == 1
                ? ""
                : " (users "
                        + String.join(
                                ", ",
                                users.stream()
                                        .map(u -> u.name() + "=" + conc(u.concurrency()))
                                        .toList()) + ")";
        if (rate == null) {
            return "concurrency "
                    + users.stream().mapToInt(SimUser::concurrency).sum() + perUser;
        }
        int cap = users.stream()
                .mapToInt(SimUser::concurrency)
                .reduce(0, (a, b) -> a > UNLIMITED - b ? UNLIMITED : a + b);
        return "poisson " + rate + " req/s, max in flight " + conc(cap) + perUser;
    }

    static String conc(int c) {
        return c == UNLIMITED ? "unlimited" : Integer.toString(c);
    }
}
