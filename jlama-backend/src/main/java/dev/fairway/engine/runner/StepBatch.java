package dev.fairway.engine.runner;

import dev.fairway.engine.kv.BlockTable;

/**
 * The rows of one forward step: row i feeds {@code tokens[i]} at {@code positions[i]} of the sequence whose blocks are
 * {@code tables[i]}. Decode rows and prefill chunks of many sequences mix freely; rows of one sequence appear in
 * position order. {@code wantLogits[i]} marks rows whose next-token logits are needed (last row of a chunk, decodes).
 */
public record StepBatch(int[] tokens, int[] positions, BlockTable[] tables, boolean[] wantLogits) {
    public int size() {
        return tokens.length;
    }

    public int logitRows() {
        int n = 0;
        for (boolean b : wantLogits) if (b) n++;
        return n;
    }
}
