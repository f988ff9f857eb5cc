package dev.fairway.engine;

import java.util.List;

/** Log-probability of a sampled token (after temperature is NOT applied: raw model distribution) and its top alternatives. */
public record TokenLogprob(int tokenId, String token, float logprob, List<Alternative> top) {
    public record Alternative(int tokenId, String token, float logprob) {}
}
