package dev.fairway.engine.scheduler;

import dev.fairway.engine.kv.BlockTable;
import java.util.Arrays;

/**
 * One stream of tokens (a choice of a request) as the scheduler and KV manager see it: its tokens so far, how many
 * have keys/values in the cache ({@code computed}), its block table, and where it is in its life ({@link RequestStatus},
 * moved by the scheduler).
 */
public final class Sequence {
    public final long id;
    public final String user;
    /** The fairness subgroup within the user (see GenerationRequest.fairnessGroup). */
    public final String fairnessGroup;

    public final double weight;
    public final long arrivalNanos;
    public final int promptLength;
    public final BlockTable table = new BlockTable();

    private int[] tokens;
    private int length;
    int computed;
    /** Highest {@code computed} ever reached: positions below it that are computed again are a recompute. */
    int highWater;

    long hashChain;
    int hashedBlocks;
    int cachedTokens;
    int preemptions;
    RequestStatus status = RequestStatus.WAITING;

    public Sequence(long id, String user, String fairnessGroup, double weight, long arrivalNanos, int[] prompt) {
        this.id = id;
        this.user = user;
        this.fairnessGroup = fairnessGroup;
        this.weight = weight;
        this.arrivalNanos = arrivalNanos;
        this.promptLength = prompt.length;
        this.tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        this.length = prompt.length;
    }

    public int length() {
        return length;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    int[] tokenArray() {
        return tokens;
    }

    public int computed() {
        return computed;
    }

    /** Tokens still to be fed before the next token can be sampled. */
    public int remaining() {
        return length - computed;
    }

    public boolean isDecoding() {
        return remaining() == 1 && computed >= promptLength - 1 && length > promptLength;
    }

    public int generated() {
        return length - promptLength;
    }

    public int cachedTokens() {
        return cachedTokens;
    }

    public int preemptions() {
        return preemptions;
    }

    public RequestStatus status() {
        return status;
    }

    public boolean isRunning() {
        return status == RequestStatus.RUNNING;
    }

    public void append(int token) {
        if (length == tokens.length) tokens = Arrays.copyOf(tokens, length * 2);
        tokens[length++] = token;
    }

    void copyStateFrom(Sequence parent) {
        tokens = Arrays.copyOf(parent.tokens, parent.tokens.length);
        length = parent.length;
        computed = parent.computed;
        highWater = parent.highWater;
        hashChain = parent.hashChain;
        hashedBlocks = parent.hashedBlocks;
        cachedTokens = parent.cachedTokens;
    }
}
