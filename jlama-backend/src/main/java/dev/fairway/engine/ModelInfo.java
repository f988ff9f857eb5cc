package dev.fairway.engine;

import java.util.Set;

/** What the loaded model is: id as users name it, architecture, limits. */
public record ModelInfo(
        String id,
        String architecture,
        int contextLength,
        int vocabSize,
        Set<Integer> eosTokenIds,
        String weightType,
        long parameterCount) {}
