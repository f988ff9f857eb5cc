package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ComputeGateTest {
    /** Two "engines" stepping flat out: never inside at once, and both advance (the fair lock hands over in turn). */
    @Test
    void passesOfTwoEnginesNeverOverlapAndAlternate() throws Exception {
        ComputeGate gate = ComputeGate.shared();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicLong a = new AtomicLong(), b = new AtomicLong();
        Runnable pass = () -> {
            if (inside.incrementAndGet() > 1) overlaps.incrementAndGet();
            long end = System.nanoTime() + 200_000;
            while (System.nanoTime() < end) Thread.onSpinWait();
            inside.decrementAndGet();
        };
        long stop = System.nanoTime() + 500_000_000L;
        Thread ta = Thread.ofPlatform().start(() -> {
            while (System.nanoTime() < stop)
                gate.run(() -> {
                    pass.run();
                    return a.incrementAndGet();
                });
        });
        Thread tb = Thread.ofPlatform().start(() -> {
            while (System.nanoTime() < stop)
                gate.run(() -> {
                    pass.run();
                    return b.incrementAndGet();
                });
        });
        ta.join();
        tb.join();
        assertThat(overlaps.get()).isZero();
        assertThat(Math.min(a.get(), b.get())).isGreaterThan(Math.max(a.get(), b.get()) / 3);
    }
}
