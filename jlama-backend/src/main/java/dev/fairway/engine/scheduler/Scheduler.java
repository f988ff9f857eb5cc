package dev.fairway.engine.scheduler;

import dev.fairway.engine.kv.KvCacheManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the rows of each step under a cost budget ({@link StepCostModel}: a row deep in a sequence costs more, for
 * its attention). Candidates (running and waiting) are picked one at a time in the policy's order (rank, subRank,
 * arrival); each pick is charged to the policy at once, in tokens, so the next pick already sees it. A pick gets one
 * decode token or a prefill chunk of what budget remains after reserving the cost of every running decode ranked after
 * it, so long prompts are split and ride along with running decodes without stalling them. While prefill work waits
 * and decodes run, a step carries prefill worth a {@link PrefillShare share} of the decodes' cost, steered by measured
 * step times ({@link #stepTook}): however the prompt ranks, its TTFT stays a small multiple of its TTFT alone, and the
 * running streams' inter-token latency stays under twice what it is without it ({@link #stepBudget}). Admission needs free KV blocks
 * for the whole prompt (plus a small watermark) and never preempts; when a running sequence cannot grow, the
 * lowest-ranked running sequence not yet in this step is preempted (its blocks freed; it is recomputed later, charged
 * at the prefill weight, and its stream continues). A step's plan is a value ({@link StepPlan}); once it ran,
 * {@link #afterStep} advances the planned sequences. The scheduler never samples: whoever ran the step appends the
 * sampled tokens and {@link #finish finishes} sequences.
 */
public final class Scheduler {
    private final KvCacheManager kv;
    private final FairnessPolicy policy;
    private final StepCostModel cost;
    private final double maxStepCost;
    private final int maxRunning;
    private final List<Sequence> waiting = new ArrayList<>();
    private final List<Sequence> running = new ArrayList<>();
    /** Finished since the last schedule(): their users still count as active for a client re-submitting at once. */
    private final List<Sequence> recentlyRemoved = new ArrayList<>();

    private long preemptions;

    /** {@code maxStepCost}: the budget of one step in {@code cost} units (a row at position 0 costs 1). */
    public Scheduler(KvCacheManager kv, FairnessPolicy policy, StepCostModel cost, int maxStepCost, int maxRunning) {
        this.kv = kv;
        this.policy = policy;
        if (maxStepCost < 1) throw new IllegalArgumentException("the step budget must be >= 1: " + maxStepCost);
        this.cost = cost;
        this.measured = cost;
        this.maxStepCost = maxStepCost;
        this.maxRunning = maxRunning;
    }

    public FairnessPolicy policy() {
        return policy;
    }

    public StepCostModel costModel() {
        return cost;
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int runningCount() {
        return running.size();
    }

    public long preemptions() {
        return preemptions;
    }

    public boolean isIdle() {
        return waiting.isEmpty() && running.isEmpty();
    }

    public void enqueue(Sequence s) {
        List<Sequence> active = new ArrayList<>(running);
        active.addAll(waiting);
        active.addAll(recentlyRemoved);
        policy.onQueued(s, active);
        waiting.add(s);
    }

    /** Adds a sequence that already holds blocks (an n > 1 fork) straight to the running set. */
    public void addRunning(Sequence s) {
        s.status = RequestStatus.RUNNING;
        running.add(s);
    }

    /** Starts {@code child} as a copy of {@code parent} sharing all its blocks (n > 1 choices share the prompt). */
    public void fork(Sequence parent, Sequence child) {
        child.copyStateFrom(parent);
        kv.share(parent.table, child.table);
        addRunning(child);
    }

    /** Removes a finished or cancelled sequence, recording why ({@code status}, a finished one), and frees its blocks. */
    public void finish(Sequence s, RequestStatus status) {
        if (!status.isFinished()) throw new IllegalArgumentException("not a finished status: " + status);
        if (waiting.remove(s) | running.remove(s)) recentlyRemoved.add(s);
        s.status = status;
        kv.free(s.table);
    }

    /** Plans the next step (allocating its KV blocks, preempting if it must); an empty plan when nothing fits. */
    public StepPlan schedule() {
        recentlyRemoved.clear();
        List<Sequence> candidates = new ArrayList<>(running.size() + waiting.size());
        candidates.addAll(running);
        candidates.addAll(waiting);
        List<StepPlan.Chunk> plan = new ArrayList<>();
        List<Sequence> preempted = new ArrayList<>();
        double budget = stepBudget();
        boolean admissionOpen = true, prefillPlanned = false;
        // Every row costs at least 1, so below 1 nothing more fits.
        while (budget >= 1 && !candidates.isEmpty()) {
            Sequence s = candidates.remove(best(candidates));
            int tokens;
            if (!s.isRunning()) {
                if (!admissionOpen) continue;
                tokens = admitChunk(s, budget, plan.isEmpty(), prefillPlanned, candidates);
                if (tokens == 0) {
                    // Head of line: nobody ranked lower may be admitted past it in this step.
                    admissionOpen = false;
                    continue;
                }
            } else {
                tokens = chunkTokens(s, budget, plan.isEmpty(), prefillPlanned, candidates);
                if (tokens == 0) continue;
                tokens = growRunning(s, tokens, candidates, preempted);
                if (tokens == 0) continue;
            }
            prefillPlanned |= s.remaining() > 1;
            plan.add(StepPlan.Chunk.next(s, tokens));
            charge(s, tokens);
            budget -= cost.chunk(s.computed, tokens);
        }
        return plan.isEmpty() && preempted.isEmpty() ? StepPlan.EMPTY : new StepPlan(plan, preempted);
    }

    /** A prompt with at most this many tokens left goes whole next to running decodes if the budget holds it. */
    static final int BURST_TOKENS = 64;

    private final PrefillShare share = new PrefillShare();
    private final StepTimeModel times = new StepTimeModel();
    /**
     * The cost model fitted to measured step times ({@link #stepTook}); it sizes prefill next to decodes only, while
     * the configured budget stays in the shape's units (so what {@code maxStepCost} admits does not drift).
     */
    private StepCostModel measured;
    /** A step's fixed part (reading the weights) in rows at position 0, once measured. */
    private double fixedCost;

    private double plannedAllowance;
    private double lastBudget;

    /**
     * The budget of the next step. While prefill work waits and decodes run (and fit the configured budget), it is the
     * decodes' cost plus the current {@link PrefillShare} of it for prefill, or the whole of one short prompt
     * (<= {@link #BURST_TOKENS} tokens left) if that is more and fits the configured budget: a short prompt's one
     * larger step does not move the streams' ITL p99, a long prompt's hundreds of steps would. Otherwise the
     * configured budget. Decodes over the budget are rationed by rank, prefill with them.
     */
    private double stepBudget() {
        double decodes = 0, decodesMeasured = 0, burst = 0; // the largest short prompt; infinite if one is long
        boolean prefill = !waiting.isEmpty();
        int deepest = 0;
        for (Sequence s : running) {
            if (s.remaining() == 1) {
                decodes += cost.row(s.computed);
                decodesMeasured += measured.row(s.computed);
            } else {
                prefill = true;
                burst = Math.max(burst, burstCost(s));
                deepest = Math.max(deepest, s.computed);
            }
        }
        for (Sequence s : waiting) burst = Math.max(burst, burstCost(s));
        lastBudget = maxStepCost;
        plannedAllowance = 0;
        if (prefill && decodes > 0 && decodes <= maxStepCost) {
            // the share of a decode-only step's measured cost, in the shape's units at the prefill's depth
            double depth = cost.row(deepest) / measured.row(deepest);
            plannedAllowance = share.share() * (fixedCost + decodesMeasured) * depth;
            double allowance = plannedAllowance;
            if (burst < Double.POSITIVE_INFINITY)
                allowance = Math.max(allowance, Math.min(burst, maxStepCost - decodes));
            lastBudget = decodes + allowance;
        }
        return lastBudget;
    }

    /**
     * What the rest of a short prompt costs, or infinity for a long one. A burst is granted only while every prefill
     * waiting is short: whoever ranks first takes the step's prefill, and a long prompt must not take a short one's.
     */
    private double burstCost(Sequence s) {
        int left = s.remaining();
        return left <= BURST_TOKENS ? cost.chunk(s.computed, left) : Double.POSITIVE_INFINITY;
    }

    /** The budget the last {@link #schedule} planned under (tests check plans against it). */
    double lastBudget() {
        return lastBudget;
    }

    double prefillShare() {
        return share.share();
    }

    /**
     * How long a planned step took (forward pass and sampling, not time spent waiting for other models): refits the
     * measured cost model and a step's fixed part to the step times seen so far, and steers the prefill share towards
     * steps that take {@link PrefillShare#TARGET_RATIO} times a decode-only step.
     */
    public void stepTook(StepPlan plan, long nanos) {
        double decodes = 0, prefill = 0, positions = 0, decodePositions = 0;
        int decodeRows = 0;
        for (StepPlan.Chunk c : plan.chunks()) {
            positions += c.tokens() * (c.start() + (c.tokens() - 1) / 2.0);
            if (c.decode()) {
                decodes += cost.row(c.start());
                decodeRows++;
                decodePositions += c.start();
            } else {
                prefill += cost.chunk(c.start(), c.tokens());
            }
        }
        double decodeOnly = times.ready() ? times.predictNanos(decodeRows, decodePositions) : 0;
        share.observe(decodes, prefill, plannedAllowance, nanos, decodeOnly);
        times.observe(plan.rows(), positions, nanos);
        if (times.ready()) {
            double p = Math.clamp(times.positionsPerRow(), cost.positionsPerUnit() / 50, cost.positionsPerUnit() * 4);
            measured = new StepCostModel(p);
            fixedCost = Math.clamp(times.fixedRows(), 0, maxStepCost);
        }
    }

    /**
     * Rows for {@code s} from its next position: a decode gets its row if it fits the budget; a prefill chunk gets what
     * is left after reserving the cost of every running decode ranked after it. When that is not one row, it still
     * gets one row if the row fits the budget and either no prefill has progressed in this step yet (prefill is never
     * starved by the reservation) or the decodes after it cannot all run anyway (then rank order decides). The first
     * pick of a step always gets a row: a budget below one deep row's cost cannot stall the engine.
     */
    private int chunkTokens(Sequence s, double budget, boolean first, boolean prefillPlanned, List<Sequence> rest) {
        double reserved = s.remaining() == 1 ? 0 : decodeCost(rest);
        int tokens = cost.fitting(s.computed, s.remaining(), budget - reserved);
        if (tokens > 0 || first) return Math.max(tokens, 1);
        boolean rowFits = cost.fitting(s.computed, 1, budget) == 1;
        return rowFits && (!prefillPlanned || reserved > budget) ? 1 : 0;
    }

    /**
     * Computes the chunks of a step that ran: positions advance and full blocks join the prefix cache. A sequence
     * finished since the plan was made (a listener cancelled it as it started) is skipped: its blocks went back to the
     * pool, and publishing them would put free blocks in the prefix cache.
     */
    public void afterStep(StepPlan plan) {
        long[] chain = new long[1];
        for (StepPlan.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            if (s.status().isFinished()) continue;
            s.computed += c.tokens();
            s.highWater = Math.max(s.highWater, s.computed);
            chain[0] = s.hashChain;
            s.hashedBlocks = kv.publishFullBlocks(s.table, s.tokenArray(), s.computed, s.hashedBlocks, chain);
            s.hashChain = chain[0];
        }
    }

    /** Charges a planned chunk at once, so the next pick in the same step already sees it. */
    private void charge(Sequence s, int tokens) {
        int from = s.computed, to = s.computed + tokens;
        int freshFrom = Math.max(s.promptLength, s.highWater);
        int decode = Math.max(0, to - Math.max(from, freshFrom));
        policy.charge(s, tokens - decode, decode);
    }

    private int best(List<Sequence> candidates) {
        int best = 0;
        double bestRank = policy.rank(candidates.get(0));
        for (int i = 1; i < candidates.size(); i++) {
            Sequence c = candidates.get(i);
            double r = policy.rank(c);
            if (r < bestRank || (r == bestRank && firstOfTie(c, candidates.get(best)))) {
                best = i;
                bestRank = r;
            }
        }
        return best;
    }

    /** Equal rank: one user's sequences go by subRank (fairness group), different users' by arrival. */
    private boolean firstOfTie(Sequence a, Sequence b) {
        if (a.user.equals(b.user)) {
            int c = Double.compare(policy.subRank(a), policy.subRank(b));
            if (c != 0) return c < 0;
        }
        return before(a, b);
    }

    private static boolean before(Sequence a, Sequence b) {
        return a.arrivalNanos != b.arrivalNanos ? a.arrivalNanos < b.arrivalNanos : a.id < b.id;
    }

    /**
     * The preemption victim among the running candidates not yet planned: the lowest-ranked one. Ranks within the
     * policy's {@link FairnessPolicy#preemptionSlack()} of the lowest count as tied, and among those the latest
     * arrival goes (vLLM's choice), so near-equal users do not take turns preempting each other every few steps.
     */
    private int worst(List<Sequence> candidates) {
        double worstRank = -Double.MAX_VALUE;
        for (Sequence c : candidates)
            if (c.isRunning() && c.table.size() > 0) worstRank = Math.max(worstRank, policy.rank(c));
        double band = worstRank - policy.preemptionSlack();
        int worst = -1;
        for (int i = 0; i < candidates.size(); i++) {
            Sequence c = candidates.get(i);
            if (!c.isRunning() || c.table.size() == 0 || policy.rank(c) < band) continue;
            if (worst < 0 || before(candidates.get(worst), c)) worst = i;
        }
        return worst;
    }

    /** The cost of the running decodes among {@code candidates}: what a prefill chunk ranked before them leaves. */
    private double decodeCost(List<Sequence> candidates) {
        double sum = 0;
        for (Sequence c : candidates) if (c.isRunning() && c.remaining() == 1) sum += cost.row(c.computed);
        return sum;
    }

    /**
     * Admission by free KV blocks: takes a waiting sequence in (reusing cached prefix blocks) only if the free blocks
     * hold all of its tokens (prompt, or everything to recompute after a preemption) and leave the watermark for the
     * running sequences to grow; those blocks are reserved at once, so a chunked prefill never stalls or gets preempted
     * for lack of blocks halfway. Never preempts. Returns the first chunk, or 0 (left waiting: no blocks, or not even
     * one row of it fits what is left of the budget).
     */
    private int admitChunk(Sequence s, double budget, boolean first, boolean prefillPlanned, List<Sequence> rest) {
        if (running.size() >= maxRunning) return 0;
        // Alone, a sequence may take every block (the engine accepts prompt + max_tokens up to the whole pool).
        int reserve = running.isEmpty() ? 0 : watermark();
        int hit = admit(s);
        int need = kv.blocksFor(s.length()) - s.table.size() + (sharedAt(s, s.computed) ? 1 : 0);
        int tokens = 0;
        if (kv.pool().available() - need >= reserve && grow(s, s.remaining())) {
            tokens = chunkTokens(s, budget, first, prefillPlanned, rest);
        }
        if (tokens == 0) {
            unadmit(s);
            kv.uncountHits(hit);
        }
        return tokens;
    }

    /** Free blocks kept back at admission so running sequences can grow (about 1% of the pool, at least 1). */
    private int watermark() {
        return Math.max(1, kv.pool().total() / 100);
    }

    private boolean sharedAt(Sequence s, int position) {
        int idx = position / kv.blockSize();
        return idx < s.table.size() && kv.pool().refCount(s.table.get(idx)) > 1;
    }

    /**
     * A running sequence grows by {@code tokens}; when the blocks are short it first shrinks a prefill chunk to what
     * fits, then preempts the lowest-ranked running sequence not yet planned (possibly itself). Returns the tokens
     * planned (0 = not this step). The preempted go to {@code preempted}.
     */
    private int growRunning(Sequence s, int tokens, List<Sequence> candidates, List<Sequence> preempted) {
        while (true) {
            int fit = Math.min(tokens, fitting(s, tokens));
            if (fit > 0 && grow(s, fit)) return fit;
            int v = worst(candidates);
            if (v < 0) {
                preempt(s, preempted);
                return 0;
            }
            preempt(candidates.remove(v), preempted);
        }
    }

    /** How many of the next {@code tokens} positions of {@code s} the free blocks can hold (block granularity). */
    private int fitting(Sequence s, int tokens) {
        int bs = kv.blockSize();
        int covered = s.table.size() * bs - s.computed;
        int cow = sharedAt(s, s.computed) ? 1 : 0;
        int free = kv.pool().available() - cow;
        if (free < 0) return 0;
        return Math.max(0, Math.min(tokens, covered + free * bs));
    }

    /** Moves a waiting sequence to running, attaching cached prefix blocks; returns the cached tokens attached. */
    private int admit(Sequence s) {
        int hit = 0;
        if (s.table.size() == 0) {
            long[] chain = new long[1];
            hit = kv.attachCachedPrefix(s.table, s.tokenArray(), s.length(), chain);
            s.computed = hit;
            s.hashChain = chain[0];
            s.hashedBlocks = hit / kv.blockSize();
            if (s.preemptions == 0) s.cachedTokens = Math.min(hit, s.promptLength);
        }
        waiting.remove(s);
        running.add(s);
        s.status = RequestStatus.RUNNING;
        return hit;
    }

    /** Admission found no room after all: back to the queue, not counted as a preemption. */
    private void unadmit(Sequence s) {
        kv.free(s.table);
        s.computed = 0;
        s.hashChain = 0;
        s.hashedBlocks = 0;
        running.remove(s);
        s.status = s.preemptions == 0 ? RequestStatus.WAITING : RequestStatus.PREEMPTED;
        waiting.add(s);
    }

    private boolean grow(Sequence s, int tokens) {
        if (!kv.reserve(s.table, s.computed + tokens)) return false;
        return kv.makeWritable(s.table, s.computed);
    }

    private void preempt(Sequence s, List<Sequence> preempted) {
        kv.free(s.table);
        s.computed = 0;
        s.hashChain = 0;
        s.hashedBlocks = 0;
        if (s.isRunning()) {
            running.remove(s);
            s.status = RequestStatus.PREEMPTED;
            waiting.add(s);
            preemptions++;
            s.preemptions++;
            preempted.add(s);
        }
    }
}
