package dev.fairway.gateway.http;

import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful stop. Once draining, new requests are refused with 503 (health and metrics still answer) while the
 * open exchanges finish; past the grace period the running generations are cut, which ends their streams with an
 * error event and stores what they said as partial. Counts exchanges (requests not yet answered), not sockets.
 */
public final class Drain {
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    /** Something running that can be stopped early: a generation. */
    public interface Cuttable {
        void cut(ApiError why);
    }

    private volatile boolean draining;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private final Set<Cuttable> running = ConcurrentHashMap.newKeySet();

    public boolean isDraining() {
        return draining;
    }

    /** Router handler ahead of everything: refuses new work while draining, else counts the exchange until it ends. */
    public void admit(RoutingContext ctx) {
        String path = ctx.request().path();
        if (draining && !"/health".equals(path) && !"/metrics".equals(path)) {
            // HTTP/1.x only: the header is illegal in HTTP/2 (clients like the JDK's upgrade to h2c)
            if (ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2)
                ctx.response().putHeader("Connection", "close");
            throw ApiError.shuttingDown();
        }
        open.incrementAndGet();
        ctx.addEndHandler(v -> open.decrementAndGet()); // once: on end, or on close / failure
        ctx.next();
    }

    public void register(Cuttable c) {
        running.add(c);
    }

    public void unregister(Cuttable c) {
        running.remove(c);
    }

    /**
     * Work that outlives its exchange (a conversation turn's reply is stored after a client that left is gone): the
     * drain waits for it too. Every hold needs exactly one release.
     */
    public void hold() {
        held.incrementAndGet();
    }

    public void release() {
        held.decrementAndGet();
    }

    private boolean idle() {
        return open.get() == 0 && held.get() == 0 && running.isEmpty();
    }

    /**
     * Blocking (a shutdown hook): refuses new work, waits up to {@code grace} for open exchanges, cuts the
     * generations still running and gives their endings (reply stored, final event sent) up to {@code cutGrace}.
     */
    public void drain(Duration grace, Duration cutGrace) {
        draining = true;
        if (waitIdle(grace, null)) return;
        LOG.info("Drain: {} requests still open after {} s; stopping their generations", open.get(), grace.toSeconds());
        if (!waitIdle(cutGrace, ApiError.shuttingDown()))
            LOG.warn("Drain: {} requests still open; closing anyway", open.get());
    }

    /** Waits for {@link #idle}; with {@code cut}, stops whatever runs meanwhile (also what started after the first cut). */
    private boolean waitIdle(Duration limit, ApiError cut) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!idle() && System.nanoTime() < deadline) {
            if (cut != null) for (Cuttable c : running) c.cut(cut);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return idle();
    }
}
