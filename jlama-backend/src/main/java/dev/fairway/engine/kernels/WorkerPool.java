package dev.fairway.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A tiny fork-join for the forward pass: the caller plus (threads-1) workers split task indices [0, n).
 * Workers spin briefly between dispatches (a step issues hundreds of them) and park when idle. The caller never
 * waits for a worker to wake up: it takes every task nobody has claimed, and waits only for tasks in progress,
 * so a descheduled worker (a busy machine) costs nothing.
 */
public final class WorkerPool implements AutoCloseable {
    private static final long SPIN_NANOS = 100_000;

    /** One dispatch; a late worker holding an old job finds no task left in it. */
    private record Job(IntConsumer body, int n, AtomicInteger next, AtomicInteger done) {
        boolean runSome() {
            boolean any = false;
            int i;
            while ((i = next.getAndIncrement()) < n) {
                try {
                    body.accept(i);
                } finally {
                    done.incrementAndGet();
                }
                any = true;
            }
            return any;
        }
    }

    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * Compute threads run below normal priority (nice 4 with -XX:ThreadPriorityPolicy=1, which the launcher sets):
     * they keep every core busy, and an HTTP event loop woken to send a token should not wait for a time slice.
     */
    public WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform()
                    .daemon()
                    .priority(Thread.MIN_PRIORITY)
                    .name("fairway-worker-" + i)
                    .start(this::workerLoop);
        }
    }

    public int threads() {
        return workers.length + 1;
    }

    /** Runs body(i) for every i in [0, n) across the pool; returns when all are done. Not reentrant. */
    public void run(int n, IntConsumer body) {
        if (n <= 0) return;
        if (workers.length == 0 || n == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        Job j = new Job(body, n, new AtomicInteger(), new AtomicInteger());
        job = j;
        for (Thread w : workers) LockSupport.unpark(w);
        j.runSome();
        while (j.done.get() < n) Thread.onSpinWait();
        Throwable f = failure;
        if (f != null) {
            failure = null;
            throw new IllegalStateException("forward worker failed", f);
        }
    }

    private void workerLoop() {
        Job last = null;
        while (!closed) {
            long spinStart = System.nanoTime();
            Job j;
            while ((j = job) == last && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 1_000_000);
            }
            if (closed) return;
            last = j;
            try {
                j.runSome();
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
