package dev.fairway.engine;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets several engines (one per loaded model) share the machine's cores: an engine holds the gate for the whole of
 * each forward pass, so no two models' passes run at once and oversubscribe the cores. The lock is fair (FIFO): when
 * two models both have work their steps alternate, one step each, so a stream on a quiet model is never starved by a
 * busy one. One gate per server; {@link #NONE} for an engine alone.
 *
 * <p>Limits: the turn is a step, not a token budget, so a model whose steps are long (a big model, a long prefill
 * chunk) gets more wall time per turn than a small one; per-user fairness inside each model is still the scheduler's,
 * across models only the alternation holds.
 */
public final class ComputeGate {
    /** No sharing: a single engine in the process. */
    public static final ComputeGate NONE = new ComputeGate(false);

    private final ReentrantLock lock;
    private long waits;
    private long waitNanos;

    private ComputeGate(boolean shared) {
        this.lock = shared ? new ReentrantLock(true) : null;
    }

    /** A gate to give every engine of one server. */
    public static ComputeGate shared() {
        return new ComputeGate(true);
    }

    /** Runs one forward pass while holding the gate. */
    public <T> T run(java.util.function.Supplier<T> pass) {
        if (lock == null) return pass.get();
        long t0 = System.nanoTime();
        lock.lock();
        try {
            long waited = System.nanoTime() - t0;
            waits++;
            waitNanos += waited;
            return pass.get();
        } finally {
            lock.unlock();
        }
    }

    /** Total time engines waited for another model's step, in nanoseconds (read while not holding: approximate). */
    public long waitNanos() {
        return waitNanos;
    }

    public long passes() {
        return waits;
    }
}
