package dev.fairway.bench.loadgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs warmup then the measured phase (closed loop or Poisson arrivals) on virtual threads. */
public final class LoadRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Report plus the raw per-request records of the measured phase. */
    public record Result(LoadReport report, List<RequestRecord> records) {}

    private final LoadConfig cfg;
    private final PrintStream log;

    public LoadRunner(LoadConfig cfg, PrintStream log) {
        this.cfg = cfg;
        this.log = log;
    }

    public Result run(boolean progressBar) throws InterruptedException {
        Duration connectTimeout =
                cfg.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? cfg.timeout() : Duration.ofSeconds(10);
        try (SseClient client = new SseClient(cfg.baseUrl(), connectTimeout)) {
            String model = cfg.model();
            if (model == null) {
                try {
                    model = client.firstModel(cfg.users().get(0).apiKey(), connectTimeout);
                } catch (IOException e) {
                    model = "default";
                    log.println("warning: could not list models (" + e + "); sending model \"default\"");
                }
            }
            String m = model;
            List<RequestRecord> warm =
                    cfg.warmup() == 0 ? List.of() : closedLoop(client, m, cfg.warmup(), Long.MAX_VALUE, Progress.NONE);
            long limit = cfg.requests() == null ? Long.MAX_VALUE : cfg.requests();
            List<RequestRecord> records;
            long wall;
            try (Progress progress = Progress.create(progressBar, cfg.requests() == null ? -1 : cfg.requests())) {
                long t0 = System.nanoTime(); // after the progress bar: its terminal setup is slow
                long deadline = cfg.duration() == null
                        ? Long.MAX_VALUE
                        : t0 + cfg.duration().toNanos();
                records = cfg.rate() == null
                        ? closedLoop(client, m, limit, deadline, progress)
                        : openLoop(client, m, limit, deadline, progress);
                wall = System.nanoTime() - t0;
            }
            return new Result(LoadReport.build(cfg, m, records, warm, wall), records);
        }
    }

    /** Each user keeps `concurrency` requests in flight until `limit` requests were sent or the deadline passed. */
    private List<RequestRecord> closedLoop(SseClient client, String model, long limit, long deadline, Progress progress)
            throws InterruptedException {
        Queue<RequestRecord> out = new ConcurrentLinkedQueue<>();
        AtomicInteger issued = new AtomicInteger();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (SimUser u : cfg.users()) {
                int workers = (int) Math.min(u.concurrency(), limit);
                for (int i = 0; i < workers; i++) {
                    exec.submit(() -> {
                        while (System.nanoTime() < deadline && issued.getAndIncrement() < limit) {
                            RequestRecord r = client.stream(u.name(), u.apiKey(), body(model), cfg.timeout());
                            out.add(r);
                            progress.done(r);
                        }
                        return null;
                    });
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** Poisson arrivals; a user at its in-flight cap delays the dispatch until a slot frees (or the deadline). */
    private List<RequestRecord> openLoop(SseClient client, String model, long limit, long deadline, Progress progress)
            throws InterruptedException {
        Queue<RequestRecord> out = new ConcurrentLinkedQueue<>();
        Arrivals arrivals = new Arrivals(cfg.rate(), cfg.users(), cfg.seed());
        Map<String, Semaphore> slots = new HashMap<>();
        for (SimUser u : cfg.users()) slots.put(u.name(), new Semaphore(u.concurrency()));
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            long next = System.nanoTime();
            for (long n = 0; n < limit; n++) {
                if (n > 0) next += arrivals.nextGapNanos();
                if (next >= deadline) break;
                long wait = next - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                SimUser u = arrivals.nextUser();
                Semaphore slot = slots.get(u.name());
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (!slot.tryAcquire(left, TimeUnit.NANOSECONDS)) break;
                byte[] body = body(model);
                exec.submit(() -> {
                    try {
                        RequestRecord r = client.stream(u.name(), u.apiKey(), body, cfg.timeout());
                        out.add(r);
                        progress.done(r);
                    } finally {
                        slot.release();
                    }
                    return null;
                });
            }
        }
        return new ArrayList<>(out);
    }

    byte[] body(String model) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        b.putArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", cfg.prompts().next());
        b.put("max_tokens", cfg.maxTokens());
        b.put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        if (cfg.ignoreEos()) {
            b.put("ignore_eos", true);
            b.put("min_tokens", cfg.maxTokens());
        }
        if (cfg.temperature() != null) b.put("temperature", cfg.temperature());
        try {
            return JSON.writeValueAsBytes(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
