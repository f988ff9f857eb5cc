package dev.fairway.engine.scheduler;

import java.util.Map;

/**
 * Decides who goes first when the step budget, the running slots or the KV blocks are short: candidates are taken in
 * rank order, lowest first; equal ranks go by subRank within one user, then by arrival. The scheduler charges each chunk as soon as it plans it, so the
 * order is recomputed between picks inside one step (two admissions in one step see each other's cost).
 */
public interface FairnessPolicy {
    /** Primary sort key (per user for fair policies). */
    double rank(Sequence s);

    /** Secondary key among one user's sequences of equal rank (per fairness group for fair policies). */
    default double subRank(Sequence s) {
        return 0;
    }

    /** Rank differences below this do not matter when choosing whom to preempt (then the latest arrival goes). */
    default double preemptionSlack() {
        return 0;
    }

    /**
     * Called when a sequence enters the queue (first time or after preemption). {@code active} holds the sequences the
     * scheduler has (running and waiting) plus those that finished since the last step was planned, so a client that
     * re-submits at once is not treated as having been idle.
     */
    default void onQueued(Sequence s, Iterable<Sequence> active) {}

    /**
     * Charges a planned chunk: {@code prefillTokens} are prompt tokens and recomputed tokens (after preemption),
     * {@code decodeTokens} are newly generated tokens fed for the first time.
     */
    void charge(Sequence s, int prefillTokens, int decodeTokens);

    /** Tokens served per user (prefill weighted as configured), for metrics. */
    Map<String, Double> service();
}
