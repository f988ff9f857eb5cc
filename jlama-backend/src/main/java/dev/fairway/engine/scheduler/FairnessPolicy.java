package dev.fairway.engine.scheduler;

import java.util.Map;

/** Decides who goes first when the step budget, the running slots or the KV blocks are short. Lower rank first. */
public interface FairnessPolicy {
    /** Sort key; ties are broken by arrival. */
    double rank(Sequence s);

    /** Called when a sequence enters the queue (first time or after preemption). */
    default void onQueued(Sequence s, Iterable<Sequence> active) {}

    /** Charges service after a step: prefill and decode tokens computed for this sequence. */
    void charge(Sequence s, int prefillTokens, int decodeTokens);

    /** Tokens served per user (prefill weighted as configured), for metrics. */
    Map<String, Double> service();
}
