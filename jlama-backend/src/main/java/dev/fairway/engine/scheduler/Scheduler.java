package dev.fairway.engine.scheduler;

import dev.fairway.engine.kv.KvCacheManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the rows of each step under a token budget. Candidates (running and waiting) are taken in the policy's
 * order; each gets one decode token or a prefill chunk of what budget remains, so long prompts are split and ride along
 * with running decodes. Admission needs free KV blocks; when a chosen sequence cannot grow, the lowest-ranked running
 * sequence not yet in this step is preempted (its blocks freed; it is recomputed later, its stream continues).
 */
public final class Scheduler {
    public record Chunk(Sequence sequence, int tokens) {}

    private final KvCacheManager kv;
    private final FairnessPolicy policy;
    private final int maxBatchTokens;
    private final int maxRunning;
    private final List<Sequence> waiting = new ArrayList<>();
    private final List<Sequence> running = new ArrayList<>();
    private long preemptions;

    public Scheduler(KvCacheManager kv, FairnessPolicy policy, int maxBatchTokens, int maxRunning) {
        this.kv = kv;
        this.policy = policy;
        this.maxBatchTokens = maxBatchTokens;
        this.maxRunning = maxRunning;
    }

    public FairnessPolicy policy() { return policy; }
    public int waitingCount() { return waiting.size(); }
    public int runningCount() { return running.size(); }
    public long preemptions() { return preemptions; }
    public boolean isIdle() { return waiting.isEmpty() && running.isEmpty(); }

    public void enqueue(Sequence s) {
        List<Sequence> active = new ArrayList<>(running);
        active.addAll(waiting);
        policy.onQueued(s, active);
        waiting.add(s);
    }

    /** Adds a sequence that already holds blocks (an n > 1 fork) straight to the running set. */
    public void addRunning(Sequence s) {
        s.running = true;
        running.add(s);
    }

    /** Starts {@code child} as a copy of {@code parent} sharing all its blocks (n > 1 choices share the prompt). */
    public void fork(Sequence parent, Sequence child) {
        child.copyStateFrom(parent);
        kv.share(parent.table, child.table);
        addRunning(child);
    }

    /** Removes a finished or cancelled sequence and frees its blocks. */
    public void remove(Sequence s) {
        waiting.remove(s);
        running.remove(s);
        s.running = false;
        kv.free(s.table);
    }

    public List<Chunk> schedule() {
        List<Sequence> order = new ArrayList<>(running.size() + waiting.size());
        order.addAll(running);
        order.addAll(waiting);
        order.removeIf(s -> s.waitsForFork);
        order.sort(Comparator.comparingDouble(policy::rank).thenComparingLong(s -> s.arrivalNanos)
                .thenComparingLong(s -> s.id));
        List<Chunk> plan = new ArrayList<>();
        Set<Sequence> inPlan = new HashSet<>();
        int budget = maxBatchTokens;
        for (Sequence s : order) {
            if (budget == 0) break;
            boolean admitted = !s.running;
            if (admitted && !admit(s)) continue;
            int tokens = Math.min(s.remaining(), budget);
            while (!grow(s, tokens)) {
                Sequence victim = lowestRunningOutside(order, inPlan, s);
                if (victim == null) {
                    if (admitted) unadmit(s);
                    else preempt(s);
                    tokens = 0;
                    break;
                }
                preempt(victim);
            }
            if (tokens == 0) continue;
            plan.add(new Chunk(s, tokens));
            inPlan.add(s);
            budget -= tokens;
        }
        return plan;
    }

    /** Charges service and publishes full blocks after a step computed these chunks. */
    public void afterStep(List<Chunk> plan) {
        long[] chain = new long[1];
        for (Chunk c : plan) {
            Sequence s = c.sequence();
            int prefill = Math.max(0, Math.min(s.computed + c.tokens(), s.promptLength) - s.computed);
            s.computed += c.tokens();
            policy.charge(s, prefill, c.tokens() - prefill);
            chain[0] = s.hashChain;
            s.hashedBlocks = kv.publishFullBlocks(s.table, s.tokenArray(), s.computed, s.hashedBlocks, chain);
            s.hashChain = chain[0];
        }
    }

    private boolean admit(Sequence s) {
        if (running.size() >= maxRunning) return false;
        if (s.table.size() == 0) {
            long[] chain = new long[1];
            int hit = kv.attachCachedPrefix(s.table, s.tokenArray(), s.length(), chain);
            s.computed = hit;
            s.hashChain = chain[0];
            s.hashedBlocks = hit / kv.blockSize();
            if (s.preemptions == 0) s.cachedTokens = Math.min(hit, s.promptLength);
        }
        waiting.remove(s);
        running.add(s);
        s.running = true;
        return true;
    }

    /** Admission found no room after all: back to the queue, not counted as a preemption. */
    private void unadmit(Sequence s) {
        kv.free(s.table);
        s.computed = 0;
        s.hashChain = 0;
        s.hashedBlocks = 0;
        running.remove(s);
        s.running = false;
        waiting.add(s);
    }

    private boolean grow(Sequence s, int tokens) {
        if (!kv.reserve(s.table, s.computed + tokens)) return false;
        return kv.makeWritable(s.table, s.computed);
    }

    private Sequence lowestRunningOutside(List<Sequence> order, Set<Sequence> inPlan, Sequence self) {
        for (int i = order.size() - 1; i >= 0; i--) {
            Sequence v = order.get(i);
            if (v != self && v.running && !inPlan.contains(v) && v.table.size() > 0) return v;
        }
        return null;
    }

    private void preempt(Sequence s) {
        kv.free(s.table);
        s.computed = 0;
        s.hashChain = 0;
        s.hashedBlocks = 0;
        if (s.running) {
            running.remove(s);
            s.running = false;
            waiting.add(s);
            preemptions++;
            s.preemptions++;
        }
    }
}
