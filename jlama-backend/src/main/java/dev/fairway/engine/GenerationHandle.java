package dev.fairway.engine;

import java.util.concurrent.CompletableFuture;

public interface GenerationHandle {
    String id();

    /** Stops generation (queued, prefilling or decoding); frees its KV blocks; finish reason CANCELLED. Idempotent. */
    void cancel();

    /** Completes with the final result (never exceptionally: errors are FinishReason.ERROR). */
    CompletableFuture<GenerationResult> result();
}
