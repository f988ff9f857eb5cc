package dev.fairway.bench.loadgen;

import java.util.List;
import java.util.Random;

/** Poisson arrivals (exponential gaps) and user choice weighted by concurrency; seeded, single-threaded. */
final class Arrivals {
    private final Random random;
    private final double ratePerSecond;
    private final List<SimUser> users;
    private final double totalWeight;

    Arrivals(double ratePerSecond, List<SimUser> users, long seed) {
        if (!(ratePerSecond > 0)) throw new IllegalArgumentException("--rate must be > 0");
        this.random = new Random(seed);
        this.ratePerSecond = ratePerSecond;
        this.users = users;
        this.totalWeight = users.stream().mapToDouble(SimUser::concurrency).sum();
    }

    /** Gap to the next arrival, in nanoseconds. */
    long nextGapNanos() {
        return (long) (-Math.log(1.0 - random.nextDouble()) / ratePerSecond * 1e9);
    }

    SimUser nextUser() {
        double x = random.nextDouble() * totalWeight;
        for (SimUser u : users) {
            x -= u.concurrency();
            if (x < 0) return u;
        }
        return users.get(users.size() - 1);
    }
}
