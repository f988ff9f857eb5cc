package dev.fairway.engine;

import java.util.Map;

/** A point-in-time snapshot for metrics and health. Cumulative counters only grow. */
public record EngineStats(
        int waitingSequences,
        int runningSequences,
        int kvBlocksTotal,
        int kvBlocksUsed,
        int kvBlocksFree,
        int kvBlocksCached,
        int kvBlockSizeTokens,
        long prefixCacheHitTokens,
        long prefillTokens,
        long generatedTokens,
        long preemptions,
        long steps,
        Map<String, Long> servedTokensByUser,
        double fairnessIndex) {}
