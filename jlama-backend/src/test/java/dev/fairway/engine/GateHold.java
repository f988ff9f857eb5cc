package dev.fairway.engine;

import java.util.concurrent.CountDownLatch;

/**
 * Holds a compute gate closed, so that every request submitted meanwhile has reached its engine before the engine's
 * first forward pass runs: tests about requests contending (preemption under KV pressure) then do not depend on how
 * fast the submitting thread runs compared with the engine on a loaded machine.
 */
public final class GateHold implements AutoCloseable {
    private final CountDownLatch open = new CountDownLatch(1);
    private final Thread holder;

    public GateHold(ComputeGate gate) throws InterruptedException {
        long before = gate.passes();
        holder = Thread.ofPlatform()
                .daemon()
                .name("gate-hold")
                .start(() -> gate.run(() -> {
                    try {
                        open.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }));
        while (gate.passes() == before) Thread.sleep(1); // the holder is inside
    }

    /** Opens the gate: the engines run. */
    @Override
    public void close() throws InterruptedException {
        open.countDown();
        holder.join();
    }
}
