package dev.fairway.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A tiny fork-join for the forward pass: the caller plus (threads-1) workers split task indices [0, n).
 * Workers spin briefly between dispatches (a step issues hundreds of them) and park when idle.
 */
public final class WorkerPool implements AutoCloseable {
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile IntConsumer task;
    private volatile int taskCount;
    private volatile boolean closed;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        workers = new Thread[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("fairway-worker-" + i).start(this::workerLoop);
        }
    }

    public int threads() { return workers.length + 1; }

    /** Runs task(i) for every i in [0, n) across the pool; returns when all are done. Not reentrant. */
    public void run(int n, IntConsumer body) {
        if (n <= 0) return;
        if (workers.length == 0 || n == 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        task = body;
        taskCount = n;
        next.set(0);
        pending.set(workers.length);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        drain(body, n);
        while (pending.get() > 0) Thread.onSpinWait();
        task = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            throw new IllegalStateException("forward worker failed", f);
        }
    }

    private void drain(IntConsumer body, int n) {
        int i;
        while ((i = next.getAndIncrement()) < n) body.accept(i);
    }

    private void workerLoop() {
        long seen = 0;
        while (!closed) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 1_000_000);
            }
            if (closed) return;
            seen = generation;
            try {
                IntConsumer body = task;
                if (body != null) drain(body, taskCount);
            } catch (Throwable t) {
                failure = t;
                next.set(Integer.MAX_VALUE / 2);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
