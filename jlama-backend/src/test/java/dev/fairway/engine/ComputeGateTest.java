package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ComputeGateTest {
    /**
     * Two "engines" stepping flat out: never inside at once, and they take turns: an engine that finds the other
     * waiting as its pass ends never goes again before it (a gate that let an engine back in ahead of one already
     * waiting would). Checked pass by pass rather than as shares of a time window, so a loaded machine that
     * deschedules one of the threads changes nothing.
     */
    @Test
    void passesOfTwoEnginesNeverOverlapAndAlternate() throws Exception {
        ComputeGate gate = ComputeGate.shared();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<String> order = new ArrayList<>(); // written inside the gate only: one pass at a time
        List<Boolean> otherWaitingAtEnd = new ArrayList<>();
        int passesEach = 500;
        Function<String, Runnable> engine = name -> () -> {
            for (int i = 0; i < passesEach; i++) {
                gate.run(() -> {
                    if (inside.incrementAndGet() > 1) overlaps.incrementAndGet();
                    order.add(name);
                    long end = System.nanoTime() + 200_000;
                    while (System.nanoTime() < end) Thread.onSpinWait();
                    otherWaitingAtEnd.add(gate.waitingCount() > 0);
                    inside.decrementAndGet();
                    return null;
                });
            }
        };
        Thread ta = Thread.ofPlatform().start(engine.apply("A"));
        Thread tb = Thread.ofPlatform().start(engine.apply("B"));
        ta.join();
        tb.join();
        assertThat(overlaps.get()).isZero();
        assertThat(order).hasSize(2 * passesEach);
        int handovers = 0;
        for (int i = 0; i + 1 < order.size(); i++) {
            if (!otherWaitingAtEnd.get(i)) continue;
            handovers++;
            assertThat(order.get(i + 1))
                    .as("pass %d: the engine waiting goes next", i + 1)
                    .isNotEqualTo(order.get(i));
        }
        assertThat(handovers)
                .as("passes that ended with the other engine waiting")
                .isPositive();
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
