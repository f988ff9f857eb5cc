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

    /** Of two engines waiting, the one whose step serves the less served user goes first, whoever came first. */
    @Test
    void theStepOfTheLeastServedUserGoesFirst() throws Exception {
        ComputeGate gate = ComputeGate.shared();
        gate.run(java.util.Map.of("A", 1.0), () -> null);
        gate.run(java.util.Map.of("B", 100.0), () -> null); // B (lifted to A's 1 on arrival) is now at 101
        assertThat(gate.served()).containsEntry("A", 1.0).containsEntry("B", 101.0);
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread holder = Thread.ofPlatform()
                .start(() -> gate.run(java.util.Map.of("C", 0.0), () -> {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }));
        while (gate.passes() < 3) Thread.sleep(1);
        Thread b = Thread.ofPlatform().start(() -> gate.run(java.util.Map.of("B", 1.0), () -> order.add("B")));
        while (gate.waitingCount() < 1) Thread.sleep(1);
        Thread a = Thread.ofPlatform().start(() -> gate.run(java.util.Map.of("A", 1.0), () -> order.add("A")));
        while (gate.waitingCount() < 2) Thread.sleep(1);
        hold.countDown();
        for (Thread t : new Thread[] {holder, a, b}) t.join();
        assertThat(order).containsExactly("A", "B");
    }
}
