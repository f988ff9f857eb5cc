package dev.fairway.gateway.metrics;

import dev.fairway.engine.EngineStats;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Everything /metrics exports. Latencies are measured at the gateway (what a client sees); queue, KV and fairness
 * figures come from one Engine.stats() snapshot taken per scrape. The {@code fairway_*} series (label {@code model})
 * are Fairway's own; {@link VllmSeries} repeats what routers and vLLM dashboards read under vLLM's names (label
 * {@code model_name}); JVM and process series come from Micrometer's binders.
 */
public final class GatewayMetrics implements AutoCloseable {
    private static final EngineStats EMPTY =
            new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, java.util.Map.of(), 1.0);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics jvmGc = new JvmGcMetrics();
    private final Supplier<Map<String, EngineStats>> statsSource;
    /** User names as label values: one series per user, and names visible to every scraper; so opt-in. */
    private final boolean perUser;
    /** The last snapshot of every model's engine, by model name; a model unloaded since reads as empty. */
    private final AtomicReference<Map<String, EngineStats>> stats = new AtomicReference<>(Map.of());

    private final Set<String> usersSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> modelsSeen = ConcurrentHashMap.newKeySet();
    private final Map<String, PerModel> perModel = new ConcurrentHashMap<>();

    /** The request and token series of one model ({@code model} label). */
    private final class PerModel {
        final Timer timeToFirstToken;
        final Timer interTokenLatency;
        final Timer endToEnd;
        final Counter promptTokens;
        final Counter completionTokens;
        final Counter cachedTokens;
        final VllmSeries vllm;

        PerModel(String model) {
            vllm = new VllmSeries(registry, model);
            timeToFirstToken = latency(
                    "fairway.time.to.first.token",
                    "Request arrival to first generated token",
                    model,
                    0.005,
                    0.01,
                    0.025,
                    0.05,
                    0.1,
                    0.25,
                    0.5,
                    1,
                    2.5,
                    5,
                    10,
                    30,
                    60);
            interTokenLatency = latency(
                    "fairway.inter.token.latency",
                    "Gap between consecutive streamed tokens",
                    model,
                    0.0005,
                    0.001,
                    0.0025,
                    0.005,
                    0.01,
                    0.025,
                    0.05,
                    0.1,
                    0.25,
                    0.5,
                    1,
                    2.5);
            endToEnd = latency(
                    "fairway.e2e.request.latency",
                    "Request arrival to last token",
                    model,
                    0.01,
                    0.05,
                    0.1,
                    0.25,
                    0.5,
                    1,
                    2.5,
                    5,
                    10,
                    30,
                    60,
                    120,
                    300);
            promptTokens = Counter.builder("fairway.prompt.tokens")
                    .description("Prompt tokens of finished requests")
                    .tag("model", model)
                    .register(registry);
            completionTokens = Counter.builder("fairway.generation.tokens")
                    .description("Generated tokens of finished requests")
                    .tag("model", model)
                    .register(registry);
            cachedTokens = Counter.builder("fairway.cached.prompt.tokens")
                    .description("Prompt tokens served from the prefix cache")
                    .tag("model", model)
                    .register(registry);
        }
    }

    public GatewayMetrics(Supplier<Map<String, EngineStats>> statsSource, boolean perUser) {
        this.statsSource = statsSource;
        this.perUser = perUser;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        jvmGc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Stops listening to GC notifications (they would outlive the gateway otherwise). */
    @Override
    public void close() {
        jvmGc.close();
    }

    /** The engine series of one model, registered the first time a scrape sees it loaded. */
    private void registerModel(String model) {
        VllmSeries.registerEngineGauges(registry, stats, model);
        gauge("fairway.requests.running", "Sequences being decoded", model, s -> s.runningSequences());
        gauge("fairway.requests.waiting", "Sequences queued", model, s -> s.waitingSequences());
        Gauge.builder("fairway.kv.blocks", stats, r -> of(r, model).kvBlocksUsed())
                .tag("state", "used")
                .tag("model", model)
                .description("KV cache blocks")
                .register(registry);
        Gauge.builder("fairway.kv.blocks", stats, r -> of(r, model).kvBlocksFree())
                .tag("state", "free")
                .tag("model", model)
                .description("KV cache blocks")
                .register(registry);
        Gauge.builder("fairway.kv.blocks", stats, r -> of(r, model).kvBlocksCached())
                .tag("state", "cached")
                .tag("model", model)
                .description("KV cache blocks")
                .register(registry);
        gauge("fairway.kv.capacity.blocks", "KV cache capacity in blocks", model, s -> s.kvBlocksTotal());
        gauge(
                "fairway.fairness.index",
                "Jain's fairness index of tokens served per active user (1 = fair)",
                model,
                EngineStats::fairnessIndex);
        counter("fairway.preemptions", "Sequences preempted to free KV blocks", model, s -> s.preemptions());
        counter(
                "fairway.prefix.cache.hit.tokens",
                "Prompt tokens reused from the prefix cache",
                model,
                s -> s.prefixCacheHitTokens());
        counter(
                "fairway.engine.prefill.tokens",
                "Prompt tokens prefilled by the engine",
                model,
                s -> s.prefillTokens());
        counter("fairway.engine.generated.tokens", "Tokens generated by the engine", model, s -> s.generatedTokens());
        counter("fairway.engine.steps", "Engine forward steps", model, s -> s.steps());
    }

    static EngineStats of(AtomicReference<Map<String, EngineStats>> r, String model) {
        return r.get().getOrDefault(model, EMPTY);
    }

    private Timer latency(String name, String description, String model, double... bucketSeconds) {
        Duration[] slo = new Duration[bucketSeconds.length];
        for (int i = 0; i < slo.length; i++) slo[i] = Duration.ofNanos((long) (bucketSeconds[i] * 1e9));
        return Timer.builder(name)
                .description(description)
                .tag("model", model)
                .serviceLevelObjectives(slo)
                .register(registry);
    }

    private void gauge(String name, String description, String model, ToDoubleFunction<EngineStats> f) {
        Gauge.builder(name, stats, r -> f.applyAsDouble(of(r, model)))
                .tag("model", model)
                .description(description)
                .register(registry);
    }

    private void counter(String name, String description, String model, ToDoubleFunction<EngineStats> f) {
        FunctionCounter.builder(name, stats, r -> f.applyAsDouble(of(r, model)))
                .tag("model", model)
                .description(description)
                .register(registry);
    }

    private PerModel model(String model) {
        return perModel.computeIfAbsent(model == null ? "" : model, PerModel::new);
    }

    public void countRequest(String route, int status) {
        Counter.builder("fairway.http.requests")
                .description("HTTP requests by route and status")
                .tag("route", route)
                .tag("status", String.valueOf(status))
                .register(registry)
                .increment();
    }

    public void timeToFirstToken(String model, long nanos) {
        PerModel m = model(model);
        m.timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
        m.vllm.timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void interToken(String model, long nanos) {
        PerModel m = model(model);
        m.interTokenLatency.record(nanos, TimeUnit.NANOSECONDS);
        m.vllm.interTokenLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void finished(String model, String user, GenerationResult result, long totalNanos) {
        PerModel m = model(model);
        m.endToEnd.record(totalNanos, TimeUnit.NANOSECONDS);
        m.vllm.finished(result, totalNanos);
        Usage usage = result.usage();
        if (usage == null) return;
        m.promptTokens.increment(usage.promptTokens());
        m.completionTokens.increment(usage.completionTokens());
        m.cachedTokens.increment(usage.cachedTokens());
        if (!perUser) return;
        Counter.builder("fairway.user.tokens")
                .description("Tokens per user and kind, counted by the gateway")
                .tag("user", user)
                .tag("kind", "prompt")
                .register(registry)
                .increment(usage.promptTokens());
        Counter.builder("fairway.user.tokens")
                .description("Tokens per user and kind, counted by the gateway")
                .tag("user", user)
                .tag("kind", "completion")
                .register(registry)
                .increment(usage.completionTokens());
    }

    /** Prometheus text; refreshes the engine snapshots first so one scrape is self-consistent. */
    public String scrape() {
        Map<String, EngineStats> s = statsSource.get();
        if (s != null) {
            stats.set(Map.copyOf(s));
            for (String model : s.keySet()) if (modelsSeen.add(model)) registerModel(model);
            if (perUser) registerNewUsers(s);
        }
        return registry.scrape();
    }

    /** Served tokens per user, summed over the models (the scheduler of each model counts its own). */
    private void registerNewUsers(Map<String, EngineStats> all) {
        for (EngineStats s : all.values()) {
            for (String user : s.servedTokensByUser().keySet()) {
                if (usersSeen.add(user)) {
                    FunctionCounter.builder("fairway.user.served.tokens", stats, r -> {
                                long sum = 0;
                                for (EngineStats e : r.get().values())
                                    sum += e.servedTokensByUser().getOrDefault(user, 0L);
                                return sum;
                            })
                            .description(
                                    "Tokens the scheduler served per user (prefill weighted + decode), over every model")
                            .tag("user", user)
                            .register(registry);
                }
            }
        }
    }
}
