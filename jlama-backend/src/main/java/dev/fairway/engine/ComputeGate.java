package dev.fairway.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Lets several engines (one per loaded model) share the machine's cores fairly. An engine holds the gate for the
 * whole of each forward pass, so no two models' passes run at once and oversubscribe the cores. Who goes next is
 * per-user fairness across models: the gate keeps one virtual token counter per user for the whole server (the
 * tokens each step serves that user, weighted as the engines' schedulers charge them) and, of the engines waiting,
 * lets in the one whose step serves the least served user. A user streaming alone from model B therefore gets as many
 * tokens as another user keeping model A busy with many streams (plain alternation would give it one token per
 * batch of A's). A user who was idle is lifted to the lowest counter of the active users (no credit for idling). An
 * engine passed over {@value #MAX_PASSED_OVER} times in a row goes next whatever the counters say, so every model's
 * queue keeps moving (cancellations, new admissions).
 *
 * <p>Limits: the gate is work-conserving: it chooses among the engines waiting when it is released, and the engine
 * that just ran is busy sampling then, so two engines that always have work alternate. The order helps when the
 * favoured engine is the one waiting (above); when a user's only model is also busy with the other user's streams,
 * that user gets the alternation's share, not more (CrossModelFairnessTest measures both). Keeping the gate reserved
 * for the engine that should go again was tried: on a loaded machine the wait for that engine's thread cost more
 * throughput than it gave fairness. A step is the unit, so a model whose steps are long (a big model, a long prefill
 * chunk) holds the cores longer per turn; the counters are in tokens, not seconds.
 */
public final class ComputeGate {
    /** No sharing: a single engine in the process. */
    public static final ComputeGate NONE = new ComputeGate(false);

    static final int MAX_PASSED_OVER = 8;
    /** A user not served for this long counts as idle and is lifted when it comes back. */
    static final long IDLE_NANOS = 2_000_000_000L;

    private final boolean shared;
    private final Object lock = new Object();
    private final List<Waiter> waiting = new ArrayList<>();
    private final Map<String, Double> counter = new HashMap<>();
    private final Map<String, Long> lastServed = new HashMap<>();
    private boolean busy;
    private long passes;
    private long waitNanos;

    private static final class Waiter {
        final Map<String, Double> cost;
        int passedOver;

        Waiter(Map<String, Double> cost) {
            this.cost = cost;
        }
    }

    private ComputeGate(boolean shared) {
        this.shared = shared;
    }

    /** A gate to give every engine of one server. */
    public static ComputeGate shared() {
        return new ComputeGate(true);
    }

    /** Runs one forward pass while holding the gate, in arrival order (no fairness information). */
    public <T> T run(Supplier<T> pass) {
        return run(Map.of(), pass);
    }

    /**
     * Runs one forward pass while holding the gate. {@code costByUser}: the weighted tokens the step serves each user
     * (what the scheduler charges); it decides the order among waiting engines and is charged when the pass starts.
     */
    public <T> T run(Map<String, Double> costByUser, Supplier<T> pass) {
        if (!shared) return pass.get();
        long t0 = System.nanoTime();
        Waiter me = new Waiter(costByUser);
        synchronized (lock) {
            lift(me, t0);
            waiting.add(me);
            try {
                while (busy || next() != me) lock.wait();
            } catch (InterruptedException e) {
                waiting.remove(me);
                lock.notifyAll();
                Thread.currentThread().interrupt();
                throw new EngineException("Interrupted while waiting for the compute gate");
            }
            waiting.remove(me);
            for (Waiter w : waiting) w.passedOver++;
            busy = true;
            long now = System.nanoTime();
            costByUser.forEach((user, tokens) -> {
                counter.merge(user, tokens, Double::sum);
                lastServed.put(user, now);
            });
            passes++;
            waitNanos += now - t0;
        }
        try {
            return pass.get();
        } finally {
            synchronized (lock) {
                busy = false;
                lock.notifyAll();
            }
        }
    }

    /** The waiter to let in: one passed over too often, else the one serving the least served user (then FIFO). */
    private Waiter next() {
        Waiter best = null;
        double bestKey = 0;
        for (Waiter w : waiting) {
            if (w.passedOver >= MAX_PASSED_OVER) return w;
            double key = key(w.cost);
            if (best == null || key < bestKey) {
                best = w;
                bestKey = key;
            }
        }
        return best;
    }

    private double key(Map<String, Double> cost) {
        double key = Double.NEGATIVE_INFINITY; // a pass without users (tools, tests) is not held back
        for (String user : cost.keySet()) {
            double c = counter.getOrDefault(user, 0.0);
            key = key == Double.NEGATIVE_INFINITY ? c : Math.min(key, c);
        }
        return key;
    }

    /** Users idle for a while start at the lowest counter of the active users; long-gone users are forgotten. */
    private void lift(Waiter w, long now) {
        lastServed.values().removeIf(t -> now - t > 30 * IDLE_NANOS);
        counter.keySet().retainAll(lastServed.keySet());
        double floor = Double.MAX_VALUE;
        for (Map.Entry<String, Long> e : lastServed.entrySet()) {
            if (now - e.getValue() <= IDLE_NANOS && !w.cost.containsKey(e.getKey()))
                floor = Math.min(floor, counter.getOrDefault(e.getKey(), 0.0));
        }
        if (floor == Double.MAX_VALUE) return;
        for (String user : w.cost.keySet()) {
            Long last = lastServed.get(user);
            if (last == null || now - last > IDLE_NANOS) {
                counter.merge(user, floor, Math::max);
                lastServed.put(user, now); // active from now: kept by the pruning above until charged
            }
        }
    }

    int waitingCount() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Total time engines waited for another model's step, in nanoseconds. */
    public long waitNanos() {
        synchronized (lock) {
            return waitNanos;
        }
    }

    public long passes() {
        synchronized (lock) {
            return passes;
        }
    }

    /** Each user's counter (weighted tokens served by every engine of this gate), for tests and stats. */
    public Map<String, Double> served() {
        synchronized (lock) {
            return Map.copyOf(counter);
        }
    }
}
