package dev.fairway.gateway.metrics;

import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.EngineStats;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Timings;
import dev.fairway.engine.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The series vLLM exports, under vLLM's names and its {@code model_name} label, so that routers that pick a
 * model server by its queue and KV load (Gateway API Inference Extension, llm-d) and vLLM dashboards read a Fairway
 * node as they read a vLLM one. Counters get Prometheus' {@code _total} suffix, timers {@code _seconds}, as in vLLM.
 */
final class VllmSeries {
    static final String LABEL = "model_name";

    private static final double[] REQUEST_BUCKETS = {
        0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300
    };

    final Timer timeToFirstToken;
    final Timer interTokenLatency;
    private final Timer endToEnd;
    private final Timer queueTime;
    private final Timer prefillTime;
    private final Timer decodeTime;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter prefixCacheQueries;
    private final Counter prefixCacheHits;
    private final MeterRegistry registry;
    private final String model;

    VllmSeries(MeterRegistry registry, String model) {
        this.registry = registry;
        this.model = model;
        timeToFirstToken = timer(
                "vllm:time_to_first_token",
                "Time to first token",
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
        interTokenLatency = timer(
                "vllm:inter_token_latency",
                "Gap between consecutive generated tokens",
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
        endToEnd = timer("vllm:e2e_request_latency", "Request arrival to last token", REQUEST_BUCKETS);
        queueTime = timer("vllm:request_queue_time", "Time a request waited before its first step", REQUEST_BUCKETS);
        prefillTime = timer("vllm:request_prefill_time", "First step to first token", REQUEST_BUCKETS);
        decodeTime = timer("vllm:request_decode_time", "First token to last token", REQUEST_BUCKETS);
        promptTokens = counter("vllm:prompt_tokens", "Prompt tokens of finished requests");
        generationTokens = counter("vllm:generation_tokens", "Generated tokens of finished requests");
        prefixCacheQueries = counter("vllm:prefix_cache_queries", "Prompt tokens looked up in the prefix cache");
        prefixCacheHits = counter("vllm:prefix_cache_hits", "Prompt tokens found in the prefix cache");
    }

    /** Engine state read per scrape: queue lengths, KV usage (fraction of blocks held by live sequences). */
    static void registerEngineGauges(
            MeterRegistry registry, AtomicReference<Map<String, EngineStats>> stats, String model) {
        Gauge.builder(
                        "vllm:num_requests_running",
                        stats,
                        r -> GatewayMetrics.of(r, model).runningSequences())
                .description("Requests in the running batch")
                .tag(LABEL, model)
                .register(registry);
        Gauge.builder(
                        "vllm:num_requests_waiting",
                        stats,
                        r -> GatewayMetrics.of(r, model).waitingSequences())
                .description("Requests waiting to be scheduled")
                .tag(LABEL, model)
                .register(registry);
        Gauge.builder("vllm:kv_cache_usage_perc", stats, r -> kvUsage(GatewayMetrics.of(r, model)))
                .description(
                        "KV cache usage: fraction of blocks held by live sequences (cached prefixes count as free)")
                .tag(LABEL, model)
                .register(registry);
        FunctionCounter.builder(
                        "vllm:num_preemptions",
                        stats,
                        r -> GatewayMetrics.of(r, model).preemptions())
                .description("Sequences preempted to free KV blocks")
                .tag(LABEL, model)
                .register(registry);
    }

    /** 0..1; 0 before the model is loaded (no blocks). */
    static double kvUsage(EngineStats s) {
        return s.kvBlocksTotal() == 0 ? 0 : (double) s.kvBlocksUsed() / s.kvBlocksTotal();
    }

    void finished(GenerationResult result, long totalNanos) {
        endToEnd.record(totalNanos, TimeUnit.NANOSECONDS);
        Timings t = result.timings();
        if (t != null && t.firstTokenNanos() > 0) {
            queueTime.record(Math.max(0, t.queuedNanos()), TimeUnit.NANOSECONDS);
            prefillTime.record(Math.max(0, t.firstTokenNanos() - t.queuedNanos()), TimeUnit.NANOSECONDS);
            decodeTime.record(Math.max(0, t.totalNanos() - t.firstTokenNanos()), TimeUnit.NANOSECONDS);
        }
        for (ChoiceResult choice : result.choices()) {
            Counter.builder("vllm:request_success")
                    .description("Finished requests by finish reason")
                    .tag(LABEL, model)
                    .tag("finished_reason", choice.finishReason().openAi())
                    .register(registry)
                    .increment();
        }
        Usage usage = result.usage();
        if (usage == null) return;
        promptTokens.increment(usage.promptTokens());
        generationTokens.increment(usage.completionTokens());
        prefixCacheQueries.increment(usage.promptTokens());
        prefixCacheHits.increment(usage.cachedTokens());
    }

    private Timer timer(String name, String description, double... bucketSeconds) {
        Duration[] slo = new Duration[bucketSeconds.length];
        for (int i = 0; i < slo.length; i++) slo[i] = Duration.ofNanos((long) (bucketSeconds[i] * 1e9));
        return Timer.builder(name)
                .description(description)
                .tag(LABEL, model)
                .serviceLevelObjectives(slo)
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).tag(LABEL, model).register(registry);
    }
}
