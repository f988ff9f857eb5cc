package dev.fairway.langchain4j;

import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide registry of engines: every model instance (and thread) naming the same model and weight type shares
 * one {@link Engine}, hence one KV cache and one batched step loop. Reference counted: the engine is closed when the
 * last lease is closed. The first lease's engine settings (KV size, batch limits, threads) win; later leases with
 * different settings get the running engine and a warning.
 */
public final class LocalEngines {

    private static final Logger log = LoggerFactory.getLogger(LocalEngines.class);

    private static final Map<Key, Entry> ENGINES = new HashMap<>();

    /** Replaced in tests only. */
    static volatile Function<EngineConfig, Engine> opener = Engine::open;

    private LocalEngines() {}

    /** Identity of a shared engine: the model (real path of a folder, or the HF id) and the weight type. */
    record Key(String model, String weightType) {}

    private static final class Entry {
        final Engine engine;
        final EngineConfig config;
        int refs;

        Entry(Engine engine, EngineConfig config) {
            this.engine = engine;
            this.config = config;
        }
    }

    /** One user's hold on a shared engine. Closing it is idempotent. */
    public static final class Lease implements AutoCloseable {
        private final Key key;
        private final Engine engine;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Key key, Engine engine) {
            this.key = key;
            this.engine = engine;
        }

        public Engine engine() {
            if (closed.get()) throw new IllegalStateException("model closed");
            return engine;
        }

        public boolean isClosed() {
            return closed.get();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) release(key, engine);
        }
    }

    /** Opens the engine for {@code config.model()} or joins the one already running. */
    public static Lease acquire(EngineConfig config) {
        Objects.requireNonNull(config.model(), "model (folder or Hugging Face id) is required");
        Key key = keyOf(config);
        synchronized (ENGINES) {
            Entry entry = ENGINES.get(key);
            if (entry == null) {
                // Opening under the lock: a second caller for the same model must wait, not load it twice.
                entry = new Entry(opener.apply(config), config);
                ENGINES.put(key, entry);
                log.debug("opened shared engine for {}", key);
            } else if (!sameEngineSettings(entry.config, config)) {
                log.warn(
                        "model {} is already open with other engine settings ({}); sharing the running engine",
                        key.model(),
                        entry.config);
            }
            entry.refs++;
            return new Lease(key, entry.engine);
        }
    }

    private static void release(Key key, Engine engine) {
        Engine toClose = null;
        synchronized (ENGINES) {
            Entry entry = ENGINES.get(key);
            if (entry != null && entry.engine == engine && --entry.refs == 0) {
                ENGINES.remove(key);
                toClose = entry.engine;
            }
        }
        if (toClose != null) {
            log.debug("closing shared engine for {}", key);
            toClose.close();
        }
    }

    /** Number of engines currently open through this registry. */
    public static int openEngines() {
        synchronized (ENGINES) {
            return ENGINES.size();
        }
    }

    /** How many leases hold the engine of this model (0 if none is open). */
    public static int references(String model, String weightType) {
        synchronized (ENGINES) {
            Entry e = ENGINES.get(new Key(normalize(model), weightType == null ? null : weightType.toUpperCase()));
            return e == null ? 0 : e.refs;
        }
    }

    static Key keyOf(EngineConfig config) {
        String wt = config.weightType() == null ? null : config.weightType().toUpperCase();
        return new Key(normalize(config.model()), wt);
    }

    static String normalize(String model) {
        try {
            Path p = Path.of(model);
            if (Files.isDirectory(p)) return p.toRealPath().toString();
        } catch (Exception ignored) {
            // not a usable path: a Hugging Face id
        }
        return model;
    }

    private static boolean sameEngineSettings(EngineConfig a, EngineConfig b) {
        return a.kvCacheTokens() == b.kvCacheTokens()
                && a.kvCacheMb() == b.kvCacheMb()
                && a.blockSize() == b.blockSize()
                && a.maxBatchTokens() == b.maxBatchTokens()
                && a.maxRunningSequences() == b.maxRunningSequences()
                && a.threads() == b.threads();
    }
}
