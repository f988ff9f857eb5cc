package dev.fairway.engine.scheduler;

import dev.fairway.engine.kv.BlockPool;
import dev.fairway.engine.kv.KvCacheManager;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A fake model and a fake clock around the real {@link Scheduler}: each {@link #step()} asks the scheduler for a plan,
 * checks it, "computes" it (afterStep), and appends one token to every sequence whose chunk reached its end, the way
 * the engine's OutputProcessor does, with no forward pass. The clock is the step number. Appended tokens are a function
 * of (sequence, position), so a recomputed (preempted) sequence sees exactly the tokens it had.
 */
final class SchedulerHarness {
    static final ModelConfig TINY = new ModelConfig(
            "llama", 8, 1, 1, 1, 2, 8, 1000, 1e-5f, 10000, null, 1 << 20, false, false, false, 1, Set.of(2));

    /** What the harness tracks per sequence besides the scheduler's own state. */
    static final class Job {
        final Sequence seq;
        final int maxTokens;
        final long submittedStep;
        long firstTokenStep = -1;
        long finishedStep = -1;
        long lastTokenStep = -1;
        long maxGap;
        boolean cancelled;
        Consumer<Job> onFinish;

        Job(Sequence seq, int maxTokens, long submittedStep) {
            this.seq = seq;
            this.maxTokens = maxTokens;
            this.submittedStep = submittedStep;
        }

        boolean done() {
            return finishedStep >= 0 || cancelled;
        }
    }

    final BlockPool pool;
    final KvCacheManager kv;
    final Scheduler scheduler;
    final int maxBatchTokens;
    final StepCostModel cost;
    final Map<String, Long> outputTokens = new LinkedHashMap<>();
    final Map<String, Long> outputTokensWindow = new LinkedHashMap<>();
    final Map<Sequence, Job> jobs = new LinkedHashMap<>();
    final List<Job> finished = new ArrayList<>();
    long step;
    long ids;
    int maxPlanTokens;
    double maxPlanCost;
    double lastPlanCost;
    long totalPlanned;
    /** How long a plan takes (set by tests that steer the prefill share by time), from each chunk's start(). */
    java.util.function.ToLongFunction<List<StepPlan.Chunk>> clock;

    long elapsedNanos;
    long lastStepNanos;

    /** A flat cost model: the budget counts tokens. */
    SchedulerHarness(
            FairnessPolicy policy,
            int blocks,
            int blockSize,
            int maxBatchTokens,
            int maxRunning,
            boolean prefixCaching) {
        this(policy, StepCostModel.FLAT, blocks, blockSize, maxBatchTokens, maxRunning, prefixCaching);
    }

    SchedulerHarness(
            FairnessPolicy policy,
            StepCostModel cost,
            int blocks,
            int blockSize,
            int maxBatchTokens,
            int maxRunning,
            boolean prefixCaching) {
        this.pool = new BlockPool(blocks);
        this.kv = new KvCacheManager(pool, new PagedKvCache(TINY, blocks, blockSize), prefixCaching);
        this.scheduler = new Scheduler(kv, policy, cost, maxBatchTokens, maxRunning);
        this.maxBatchTokens = maxBatchTokens;
        this.cost = cost;
    }

    /** What a plan costs under the harness's cost model (call before afterStep: chunks start at computed()). */
    double cost(List<StepPlan.Chunk> plan) {
        double sum = 0;
        for (StepPlan.Chunk c : plan) sum += cost.chunk(c.sequence().computed(), c.tokens());
        return sum;
    }

    static SchedulerHarness fair(int maxBatchTokens, int maxRunning) {
        return new SchedulerHarness(new VirtualTokenCounter(0.5), 4096, 16, maxBatchTokens, maxRunning, false);
    }

    static SchedulerHarness fcfs(int maxBatchTokens, int maxRunning) {
        return new SchedulerHarness(new FcfsPolicy(0.5), 4096, 16, maxBatchTokens, maxRunning, false);
    }

    /** A prompt of distinct tokens (no accidental prefix hits) unless the caller passes its own. */
    int[] uniquePrompt(int length) {
        int[] p = new int[length];
        long base = (ids + 1) * 7919;
        for (int i = 0; i < length; i++) p[i] = (int) ((base + i * 31L) % 997) + 3;
        return p;
    }

    Job submit(String user, String conversation, double weight, int promptLength, int maxTokens) {
        return submit(user, conversation, weight, uniquePrompt(promptLength), maxTokens);
    }

    Job submit(String user, String conversation, double weight, int[] prompt, int maxTokens) {
        long id = ++ids;
        // fake nanosecond clock: steps, with submission order inside a step
        Sequence s = new Sequence(id, user, conversation, weight, step * 1_000_000L + id, prompt);
        Job j = new Job(s, maxTokens, step);
        jobs.put(s, j);
        scheduler.enqueue(s);
        return j;
    }

    /** A client that keeps one request in flight and re-submits as soon as it finishes. */
    void stream(String user, String conversation, double weight, int promptLength, int maxTokens) {
        Job j = submit(user, conversation, weight, promptLength, maxTokens);
        j.onFinish = done -> stream(user, conversation, weight, promptLength, maxTokens);
    }

    void cancel(Job j) {
        if (j.done()) return;
        j.cancelled = true;
        scheduler.finish(j.seq, RequestStatus.FINISHED_ABORTED);
        jobs.remove(j.seq);
    }

    static int fakeToken(Sequence s, int position) {
        return (int) ((s.id * 131 + position * 17L) % 997) + 3;
    }

    /** One step; returns the plan it ran. */
    List<StepPlan.Chunk> step() {
        StepPlan stepPlan = scheduler.schedule();
        List<StepPlan.Chunk> plan = stepPlan.chunks();
        int total = 0;
        for (StepPlan.Chunk c : plan) {
            if (c.tokens() <= 0) throw new AssertionError("empty chunk " + c);
            if (c.start() != c.sequence().computed())
                throw new AssertionError("chunk not at the computed position " + c);
            if (!c.sequence().isRunning()) throw new AssertionError("chunk of a sequence not running " + c);
            if (c.sequence().computed() + c.tokens() > c.sequence().length())
                throw new AssertionError("chunk past the end");
            if (c.sequence().table.size() * kv.blockSize() < c.sequence().computed() + c.tokens()) {
                throw new AssertionError("table does not cover the chunk");
            }
            total += c.tokens();
        }
        // while prefill waits next to running decodes, the scheduler sizes the step from their cost and its prefill
        // share
        double allowed = scheduler.lastBudget();
        if (total > allowed) throw new AssertionError("plan of " + total + " tokens over the budget " + allowed);
        double planCost = cost(plan);
        // one row always goes, even when it alone costs more than the budget
        if (planCost > allowed + 1e-9 && total > 1) {
            throw new AssertionError("plan cost " + planCost + " over the budget " + allowed);
        }
        maxPlanTokens = Math.max(maxPlanTokens, total);
        maxPlanCost = Math.max(maxPlanCost, planCost);
        lastPlanCost = planCost;
        totalPlanned += total;
        for (Sequence s : stepPlan.preempted()) {
            if (s.status() != RequestStatus.PREEMPTED) throw new AssertionError("preempted but " + s.status());
        }
        scheduler.afterStep(stepPlan);
        if (clock != null) {
            long nanos = clock.applyAsLong(plan);
            elapsedNanos += nanos;
            lastStepNanos = nanos;
            scheduler.stepTook(stepPlan, nanos);
        }
        List<Job> ended = new ArrayList<>();
        for (StepPlan.Chunk c : plan) {
            Sequence s = c.sequence();
            if (c.samples() != (s.computed() == s.length())) throw new AssertionError("samples() wrong for " + c);
            if (s.computed() != s.length()) continue;
            Job j = jobs.get(s);
            s.append(fakeToken(s, s.length()));
            outputTokens.merge(s.user, 1L, Long::sum);
            outputTokensWindow.merge(s.user, 1L, Long::sum);
            if (j.firstTokenStep < 0) j.firstTokenStep = step;
            else j.maxGap = Math.max(j.maxGap, step - j.lastTokenStep);
            j.lastTokenStep = step;
            if (s.generated() >= j.maxTokens) ended.add(j);
        }
        for (Job j : ended) {
            j.finishedStep = step;
            scheduler.finish(j.seq, RequestStatus.FINISHED_LENGTH_CAPPED);
            jobs.remove(j.seq);
            finished.add(j);
        }
        step++;
        for (Job j : ended) if (j.onFinish != null) j.onFinish.accept(j);
        return plan;
    }

    void run(int steps) {
        for (int i = 0; i < steps; i++) step();
    }

    void runUntilIdle(int maxSteps) {
        for (int i = 0; i < maxSteps && !scheduler.isIdle(); i++) step();
        if (!scheduler.isIdle())
            throw new AssertionError("not idle after " + maxSteps + " steps: " + scheduler.runningCount() + " running, "
                    + scheduler.waitingCount() + " waiting");
    }

    double share(String user, Map<String, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        return total == 0 ? 0 : counts.getOrDefault(user, 0L) / (double) total;
    }

    void resetWindow() {
        outputTokensWindow.clear();
    }

    Map<String, Long> window() {
        return new HashMap<>(outputTokensWindow);
    }
}
