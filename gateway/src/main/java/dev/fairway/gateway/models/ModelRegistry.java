package dev.fairway.gateway.models;

import dev.fairway.engine.ComputeGate;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.EngineStats;
import dev.fairway.engine.ModelFootprint;
import dev.fairway.engine.ModelInfo;
import dev.fairway.gateway.http.ApiError;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model the server offers, loaded on demand. Each entry knows its source, its state (unloaded, loading,
 * loaded, failed), its size in memory (estimated from its files, measured once loaded) and when it was last used. A
 * request {@linkplain #acquire pins} its model until its response ends. A load first unloads least recently used
 * models that nobody pins until the new one fits under {@code --max-loaded-models} and {@code --memory-budget}, and
 * waits while the models in the way are pinned; a model bigger than the whole budget fails at once. Loads and
 * unloads run one at a time on one thread, in order, so an unload's memory is free before the next load starts. All
 * engines share one {@link ComputeGate}. With {@code --models-dir}, {@link #rescan()} adds the models that appeared
 * there and drops the unloaded ones that are gone. A model nobody pins is unloaded once its keep-alive (the last
 * request's, else {@code --keep-alive}; {@link KeepAlive}) has passed since its last request ended.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    /** A failed load is answered from memory this long, then tried again by the next request. */
    static final long RETRY_FAILED_NANOS = TimeUnit.SECONDS.toNanos(30);

    public enum State {
        UNLOADED,
        LOADING,
        LOADED,
        FAILED
    }

    /** One model. Mutable fields are guarded by the registry. */
    public final class Entry {
        private final String name;
        private final String source;
        private final EngineConfig config;
        private final boolean fromDir;
        private final ModelFootprint estimate;
        private final Set<String> aliases = new LinkedHashSet<>();
        private State state = State.UNLOADED;
        private boolean inFlight;
        private Engine engine;
        private ModelInfo info;
        private Throwable failure;
        private long failedAt;
        private long lastUse = System.nanoTime();
        private long lastUseMillis = System.currentTimeMillis();
        private int pins;
        private long loadMillis = -1;
        private long memoryBytes = -1;
        private boolean waitLogged;
        private CompletableFuture<Engine> loading;
        private Duration keepAlive;
        private long expiresAtNanos = Long.MAX_VALUE;
        private long expiresAtMillis = Long.MAX_VALUE;

        private Entry(ModelsConfig.Spec spec, EngineConfig config, ModelFootprint estimate, boolean fromDir) {
            this.name = spec.name();
            this.source = spec.source();
            this.config = config;
            this.estimate = estimate;
            this.fromDir = fromDir;
            aliases.add(spec.name());
            aliases.add(spec.source());
        }

        /** What its files say (type, context length, size), or null for a model not on this machine yet. */
        public ModelFootprint estimate() {
            return estimate;
        }

        /** Weights + KV pool in bytes: measured once loaded, estimated before; -1 if not known yet. */
        public long sizeBytes() {
            synchronized (ModelRegistry.this) {
                return sizeLocked();
            }
        }

        private long sizeLocked() {
            if (memoryBytes >= 0) return memoryBytes;
            return estimate != null ? estimate.totalBytes() : -1;
        }

        /** Found in --models-dir (rather than named by --model). */
        public boolean fromModelsDir() {
            return fromDir;
        }

        public String name() {
            return name;
        }

        public String source() {
            return source;
        }

        public State state() {
            synchronized (ModelRegistry.this) {
                return state;
            }
        }

        /** The model's facts once it has been loaded (kept after an unload), else null. */
        public ModelInfo info() {
            synchronized (ModelRegistry.this) {
                return info;
            }
        }

        public Engine engineOrNull() {
            synchronized (ModelRegistry.this) {
                return engine;
            }
        }

        public int pins() {
            synchronized (ModelRegistry.this) {
                return pins;
            }
        }

        public long lastUseMillis() {
            synchronized (ModelRegistry.this) {
                return lastUseMillis;
            }
        }

        public long loadMillis() {
            synchronized (ModelRegistry.this) {
                return loadMillis;
            }
        }

        public String error() {
            synchronized (ModelRegistry.this) {
                return failure == null ? null : message(failure);
            }
        }

        /**
         * When it will be unloaded if no request comes (epoch millis): its keep-alive after now while requests run;
         * {@link Long#MAX_VALUE} when it stays until the room is needed.
         */
        public long expiresAtMillis() {
            synchronized (ModelRegistry.this) {
                Duration k = keepAliveLocked(this);
                if (KeepAlive.isForever(k)) return Long.MAX_VALUE;
                if (pins > 0) return System.currentTimeMillis() + k.toMillis();
                return expiresAtMillis;
            }
        }
    }

    /** A request's hold on a loaded model: it is not unloaded before {@link #release()}. */
    public final class Lease {
        private final Entry entry;
        private final Engine engine;
        private boolean released;

        private Lease(Entry entry, Engine engine) {
            this.entry = entry;
            this.engine = engine;
        }

        public Engine engine() {
            return engine;
        }

        public Entry entry() {
            return entry;
        }

        /** Idempotent. */
        public void release() {
            synchronized (ModelRegistry.this) {
                if (released) return;
                released = true;
            }
            unpin(entry);
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Entry defaultEntry;
    private final ModelsConfig config;
    private final EngineConfig base;
    private final ComputeGate gate = ComputeGate.shared();
    private final Function<EngineConfig, Engine> opener;
    private final ArrayDeque<Entry> queued = new ArrayDeque<>();
    private final ExecutorService loader = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("fairway-model-loader").daemon(true).unstarted(r));
    private final ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("fairway-model-expiry").daemon(true).unstarted(r));
    private boolean closed;

    public ModelRegistry(ModelsConfig config, EngineConfig base) {
        this(config, base, null);
    }

    /** {@code opener} null: {@link Engine#open(EngineConfig, ComputeGate)} with the registry's gate. */
    public ModelRegistry(ModelsConfig config, EngineConfig base, Function<EngineConfig, Engine> opener) {
        this.config = config;
        this.base = base;
        this.opener = opener != null ? opener : c -> Engine.open(c, gate);
        Set<String> inDir = new java.util.HashSet<>();
        if (config.modelsDir() != null)
            for (ModelsConfig.Spec s : ModelsDir.scan(config.modelsDir())) inDir.add(s.source());
        for (ModelsConfig.Spec s : config.models()) entries.put(s.name(), newEntry(s, inDir.contains(s.source())));
        this.defaultEntry = entries.get(config.defaultModel().name());
        if (config.memoryBudget() > 0) {
            for (Entry e : entries.values()) {
                if (e.estimate == null)
                    log.info("Model {}: size unknown until it is loaded (not on this machine yet)", e.name);
                else if (e.estimate.totalBytes() > config.memoryBudget())
                    log.warn(
                            "Model {} needs {} and can never load under --memory-budget {}",
                            e.name,
                            ByteSize.format(e.estimate.totalBytes()),
                            ByteSize.format(config.memoryBudget()));
            }
        }
    }

    /** Reads the model's files for its footprint (blocking). */
    private Entry newEntry(ModelsConfig.Spec s, boolean fromDir) {
        EngineConfig c = base.toBuilder().model(s.source()).build();
        ModelFootprint estimate = null;
        try {
            estimate = ModelFootprint.estimate(c);
        } catch (Exception | LinkageError ex) {
            log.info("Model {}: cannot read its size from {} ({}); its load will say why", s.name(), s.source(), ex);
        }
        return new Entry(s, c, estimate, fromDir);
    }

    /**
     * With --models-dir: adds the models that appeared in the folder and forgets those whose files are gone and that
     * are neither loaded nor in use. Blocking (reads the folder and the new models' headers): not on an event loop.
     */
    public void rescan() {
        Path dir = config.modelsDir();
        if (dir == null) return;
        List<ModelsConfig.Spec> found;
        try {
            found = ModelsDir.scan(dir);
        } catch (RuntimeException e) {
            log.warn("Cannot rescan --models-dir {}: {}", dir, e.getMessage());
            return;
        }
        List<Entry> added = new ArrayList<>();
        for (ModelsConfig.Spec s : found) {
            synchronized (this) {
                if (entries.containsKey(s.name())) continue;
            }
            added.add(newEntry(s, true));
        }
        Set<String> present = new java.util.HashSet<>();
        for (ModelsConfig.Spec s : found) present.add(s.name());
        synchronized (this) {
            for (Entry e : added) {
                if (entries.putIfAbsent(e.name, e) == null) log.info("Found model {} in {}", e.name, dir);
            }
            entries.values().removeIf(e -> {
                boolean gone = e.fromDir
                        && !present.contains(e.name)
                        && e != defaultEntry
                        && e.pins == 0
                        && !e.inFlight
                        && e.state != State.LOADED
                        && e.state != State.LOADING;
                if (gone) log.info("Model {} is no longer in {}", e.name, dir);
                return gone;
            });
        }
    }

    public ModelsConfig config() {
        return config;
    }

    public ComputeGate gate() {
        return gate;
    }

    public Entry defaultEntry() {
        return defaultEntry;
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** The entry a request names (null = the default); 404 naming the models served otherwise. */
    public synchronized Entry resolve(String requested) {
        if (requested == null || requested.isEmpty()) return defaultEntry;
        Entry byName = entries.get(requested);
        if (byName != null) return byName;
        for (Entry e : entries.values()) if (e.aliases.contains(requested)) return e;
        for (Entry e : entries.values()) {
            String base = Path.of(e.source).getFileName() == null
                    ? e.source
                    : Path.of(e.source).getFileName().toString();
            if (base.equals(requested)) return e;
        }
        throw ApiError.notFound(
                "The model '" + requested + "' does not exist. This server serves: "
                        + String.join(", ", entries.keySet()) + ".",
                "model",
                "model_not_found");
    }

    public Entry find(String id) {
        try {
            return resolve(id);
        } catch (ApiError e) {
            return null;
        }
    }

    /** Installs an engine loaded elsewhere (benchmarks comparing HTTP with in-process on one engine). */
    public synchronized void adopt(Entry e, Engine engine) {
        e.engine = engine;
        e.info = engine.modelInfo();
        e.aliases.add(e.info.id());
        e.state = State.LOADED;
        e.loadMillis = 0;
    }

    /**
     * Pins the model and completes once it is loaded (at once if it is); loads it if needed. The future fails with
     * an {@link ApiError} if the load fails. A caller that gives up must release the lease when it comes anyway.
     */
    public CompletableFuture<Lease> acquire(Entry e) {
        return acquire(e, null);
    }

    /**
     * As {@link #acquire(Entry)}, and from now on the model stays loaded for {@code keepAlive} after its last request
     * (null: the server's --keep-alive), as Ollama's per-request {@code keep_alive}.
     */
    public synchronized CompletableFuture<Lease> acquire(Entry e, Duration keepAlive) {
        if (closed) return CompletableFuture.failedFuture(ApiError.shuttingDown());
        touch(e);
        e.keepAlive = keepAlive;
        if (e.state == State.LOADED) {
            e.pins++;
            return CompletableFuture.completedFuture(new Lease(e, e.engine));
        }
        if (e.state == State.FAILED && System.nanoTime() - e.failedAt < RETRY_FAILED_NANOS) {
            return CompletableFuture.failedFuture(loadFailed(e, e.failure));
        }
        e.pins++;
        CompletableFuture<Engine> loaded = requestLoad(e);
        return loaded.handle((engine, err) -> {
            if (err == null) return new Lease(e, engine);
            unpin(e);
            throw loadFailed(
                    e,
                    err instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                            ? ce.getCause()
                            : err);
        });
    }

    /** Loads at start; completes when loaded (or fails). */
    public synchronized CompletableFuture<Engine> preload(Entry e) {
        touch(e);
        if (e.state == State.LOADED) return CompletableFuture.completedFuture(e.engine);
        return requestLoad(e);
    }

    private void touch(Entry e) {
        e.lastUse = System.nanoTime();
        e.lastUseMillis = System.currentTimeMillis();
    }

    private CompletableFuture<Engine> requestLoad(Entry e) {
        if (e.state != State.LOADING) {
            e.state = State.LOADING;
            e.failure = null;
            e.loading = new CompletableFuture<>();
            queued.add(e);
            pump();
        }
        return e.loading;
    }

    private void unpin(Entry e) {
        synchronized (this) {
            e.pins--;
            touch(e);
            if (e.pins == 0) startKeepAlive(e);
            if (e.pins == 0 && !queued.isEmpty()) pump();
        }
    }

    /**
     * Ollama's unload call ({@code keep_alive: 0} without a prompt): unloads the model now if no request runs on it,
     * else when the last one ends. Does not load it.
     */
    public synchronized void unloadWhenIdle(Entry e) {
        e.keepAlive = Duration.ZERO;
        if (e.state == State.LOADED && e.pins == 0) startKeepAlive(e);
    }

    private Duration keepAliveLocked(Entry e) {
        return e.keepAlive != null ? e.keepAlive : config.keepAlive();
    }

    /** The model just became idle (or loaded with nobody waiting): unload now, later or never. */
    private void startKeepAlive(Entry e) {
        if (e.state != State.LOADED || closed) return;
        Duration k = keepAliveLocked(e);
        if (KeepAlive.isForever(k)) {
            e.expiresAtNanos = Long.MAX_VALUE;
            e.expiresAtMillis = Long.MAX_VALUE;
            return;
        }
        if (k.isZero()) {
            unload(e, "keep_alive 0");
            if (!queued.isEmpty()) pump();
            return;
        }
        long nanos = k.toNanos();
        e.expiresAtNanos = System.nanoTime() + nanos;
        e.expiresAtMillis = System.currentTimeMillis() + k.toMillis();
        expiry.schedule(() -> expireIfDue(e), nanos, TimeUnit.NANOSECONDS);
    }

    /** A keep-alive timer went off: unloads the model unless a request came or ran since. */
    private synchronized void expireIfDue(Entry e) {
        if (closed || e.state != State.LOADED || e.pins > 0 || System.nanoTime() < e.expiresAtNanos) return;
        unload(e, "keep_alive " + KeepAlive.describe(keepAliveLocked(e)) + " passed");
        if (!queued.isEmpty()) pump();
    }

    private long busySlots() {
        long n = 0;
        for (Entry x : entries.values()) if (x.state == State.LOADED || x.inFlight) n++;
        return n;
    }

    /** Bytes of the loaded models and the one loading (a size not known yet counts as 0). */
    private long usedBytes() {
        long n = 0;
        for (Entry x : entries.values()) if (x.state == State.LOADED || x.inFlight) n += Math.max(0, x.sizeLocked());
        return n;
    }

    /** Bytes of every model loaded and loading, for /health and logs. */
    public synchronized long loadedBytes() {
        return usedBytes();
    }

    private boolean overLimits(long extraSlots, long extraBytes) {
        boolean slots = config.maxLoaded() > 0 && busySlots() + extraSlots > config.maxLoaded();
        boolean memory = config.memoryBudget() > 0 && usedBytes() + extraBytes > config.memoryBudget();
        return slots || memory;
    }

    /** The least recently used loaded model that serves no request (never {@code keep}), or null. */
    private Entry idleVictim(Entry keep) {
        Entry victim = null;
        for (Entry x : entries.values()) {
            if (x != keep && x.state == State.LOADED && x.pins == 0 && (victim == null || x.lastUse < victim.lastUse))
                victim = x;
        }
        return victim;
    }

    /** Starts the queued loads that fit, unloading idle models to make room. */
    private void pump() {
        while (!queued.isEmpty() && !closed) {
            Entry next = queued.peek();
            long need = Math.max(0, next.sizeLocked());
            if (config.memoryBudget() > 0 && need > config.memoryBudget()) {
                queued.poll();
                refuse(next, need);
                continue;
            }
            while (overLimits(1, need)) {
                Entry victim = idleVictim(null);
                if (victim == null) {
                    if (!next.waitLogged)
                        log.info(
                                "Model {} ({}) waits to load: {} models loaded in {} (--max-loaded-models {},"
                                        + " --memory-budget {}), all serving requests",
                                next.name,
                                need > 0 ? ByteSize.format(need) : "size unknown",
                                busySlots(),
                                ByteSize.format(usedBytes()),
                                config.maxLoaded() > 0 ? String.valueOf(config.maxLoaded()) : "none",
                                config.memoryBudget() > 0 ? ByteSize.format(config.memoryBudget()) : "none");
                    next.waitLogged = true;
                    return; // the next unpin() tries again
                }
                unload(victim, "least recently used, to make room for " + next.name);
            }
            queued.poll();
            next.waitLogged = false;
            next.inFlight = true;
            loader.execute(() -> load(next));
        }
    }

    /** A model bigger than the whole budget: failed at once, its waiters answered off this lock. */
    private void refuse(Entry e, long need) {
        ApiError error = new ApiError(
                500,
                "server_error",
                "model_exceeds_memory_budget",
                "model",
                "The model '" + e.name + "' needs " + ByteSize.format(need) + " (weights and KV pool) but the server's"
                        + " --memory-budget is " + ByteSize.format(config.memoryBudget())
                        + "; it can never be loaded. Raise --memory-budget or shrink the KV pools (--kv-mb).",
                null);
        e.state = State.FAILED;
        e.failure = error;
        e.failedAt = System.nanoTime();
        log.warn("Model {} not loaded: {}", e.name, error.getMessage());
        CompletableFuture<Engine> done = e.loading;
        loader.execute(() -> done.completeExceptionally(error));
    }

    private void unload(Entry victim, String why) {
        Engine engine = victim.engine;
        victim.expiresAtNanos = Long.MAX_VALUE;
        victim.expiresAtMillis = Long.MAX_VALUE;
        long idle = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - victim.lastUse);
        victim.engine = null;
        victim.state = State.UNLOADED;
        loader.execute(() -> {
            long t0 = System.nanoTime();
            engine.close();
            log.info(
                    "Unloaded model {} ({}; idle {} ms) in {} ms",
                    victim.name,
                    why,
                    idle,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        });
    }

    private void load(Entry e) {
        log.info("Loading model {} from {}", e.name, e.source);
        long t0 = System.nanoTime();
        Engine engine = null;
        Throwable failure = null;
        try {
            engine = opener.apply(e.config);
        } catch (Throwable t) {
            failure = t;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        CompletableFuture<Engine> done;
        synchronized (this) {
            e.inFlight = false;
            done = e.loading;
            if (failure == null && closed) {
                failure = ApiError.shuttingDown();
            }
            if (failure == null) {
                e.engine = engine;
                e.info = engine.modelInfo();
                e.aliases.add(e.info.id());
                e.state = State.LOADED;
                e.loadMillis = ms;
                e.memoryBytes = engine.memoryBytes();
                log.info(
                        "Loaded model {} ({}, context {}, {} in memory) in {} ms",
                        e.name,
                        e.info.weightType(),
                        e.info.contextLength(),
                        ByteSize.format(e.memoryBytes),
                        ms);
                // a size known only now (a downloaded model) may overshoot the budget: free idle models for it
                while (overLimits(0, 0)) {
                    Entry victim = idleVictim(e);
                    if (victim == null) {
                        log.warn(
                                "Models in memory ({}) exceed --memory-budget {}: the others serve requests",
                                ByteSize.format(usedBytes()),
                                ByteSize.format(config.memoryBudget()));
                        break;
                    }
                    unload(victim, "least recently used, over the memory budget after loading " + e.name);
                }
                if (e.pins == 0) startKeepAlive(e); // preloaded: nobody waits for it
            } else {
                e.state = State.FAILED;
                e.failure = failure;
                e.failedAt = System.nanoTime();
                log.warn("Loading model {} from {} failed after {} ms: {}", e.name, e.source, ms, message(failure));
            }
            if (!queued.isEmpty()) pump(); // a failed load frees its slot
        }
        if (failure == null) done.complete(engine);
        else {
            if (engine != null) engine.close();
            done.completeExceptionally(failure);
        }
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static ApiError loadFailed(Entry e, Throwable t) {
        if (t instanceof ApiError api) return api;
        return new ApiError(
                500,
                "server_error",
                "model_load_failed",
                "model",
                "The model '" + e.name + "' could not be loaded: " + message(t),
                null);
    }

    /** Engine statistics of every loaded model, by name. */
    public synchronized Map<String, EngineStats> stats() {
        Map<String, EngineStats> out = new LinkedHashMap<>();
        for (Entry e : entries.values()) if (e.engine != null) out.put(e.name, e.engine.stats());
        return out;
    }

    /** Unloads everything (running generations are cancelled). Blocking. */
    @Override
    public void close() {
        List<Engine> engines = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (Entry e : entries.values()) {
                if (e.engine != null) engines.add(e.engine);
                e.engine = null;
                e.state = State.UNLOADED;
            }
        }
        for (Engine e : engines) e.close();
        expiry.shutdownNow();
        loader.shutdown();
        try {
            loader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
