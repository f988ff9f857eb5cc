package dev.fairway.engine;

/**
 * Wall-clock timings in nanoseconds from submit: queued = until first scheduled, firstToken = until the first
 * generated token (TTFT), total = until finished. tokenTimesNanos[i] = when token i (of choice 0) was produced.
 */
public record Timings(long queuedNanos, long firstTokenNanos, long totalNanos, long[] tokenTimesNanos) {}
