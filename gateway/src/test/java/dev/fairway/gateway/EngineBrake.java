package dev.fairway.gateway;

import dev.fairway.engine.ComputeGate;

/**
 * Slows every engine behind a compute gate without stopping them, so a long request provably stays running while a
 * test does what must happen meanwhile (more requests arrive, a client hangs up, a page shows a notice), however slow
 * the machine. A thread keeps taking the gate with passes of no user, as another model's steps would: the gate lets
 * such passes in first and an engine in after {@code ComputeGate.MAX_PASSED_OVER} of them, so each engine step waits
 * about a fifth of a second. Engines still publish their stats and take commands (new requests, cancels) every step.
 */
public final class EngineBrake implements AutoCloseable {
    private static final long HOLD_MILLIS = 25;
    private volatile boolean on = true;
    private final Thread thread;

    private EngineBrake(ComputeGate gate) {
        thread = Thread.ofPlatform().daemon().name("engine-brake").start(() -> {
            while (on)
                gate.run(() -> {
                    try {
                        Thread.sleep(HOLD_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
        });
    }

    /** Brakes the engines of this gateway (all its models share one gate). */
    public static EngineBrake on(Gateway gateway) {
        return on(gateway.models().gate());
    }

    public static EngineBrake on(ComputeGate gate) {
        return new EngineBrake(gate);
    }

    /** Releases the engines to full speed. */
    @Override
    public void close() {
        on = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
