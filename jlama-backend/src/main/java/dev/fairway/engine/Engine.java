package dev.fairway.engine;

import java.util.List;

/**
 * The serving engine: one model instance, one shared paged KV cache, one scheduler, one step loop that batches
 * every running sequence through a single forward pass. Thread-safe; listeners run on the engine thread.
 */
public final class Engine implements AutoCloseable {

    /** Loads the model named by {@code config.model()} (folder or Hugging Face id) and starts the step loop. */
    public static Engine open(EngineConfig config) {
        throw new UnsupportedOperationException("engine core not landed yet");
    }

    /** Queues a request. Throws InvalidRequestException (incl. context length) or OverloadedException at once. */
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        throw new UnsupportedOperationException();
    }

    /** Blocking convenience for tests and tools. */
    public GenerationResult generate(GenerationRequest request) {
        return submit(request, GenerationListener.NONE).result().join();
    }

    public ModelInfo modelInfo() { throw new UnsupportedOperationException(); }

    /** Token ids of plain text, without BOS. */
    public int[] encode(String text) { throw new UnsupportedOperationException(); }

    public String decode(int[] tokenIds) { throw new UnsupportedOperationException(); }

    /** The prompt text the model's chat template makes of these messages (generation prompt appended). */
    public String renderChat(List<ChatMessage> messages) { throw new UnsupportedOperationException(); }

    /** Prompt token ids exactly as submit() would feed them (BOS and template included). */
    public int[] promptTokens(Prompt prompt) { throw new UnsupportedOperationException(); }

    public EngineStats stats() { throw new UnsupportedOperationException(); }

    /** Cancels everything still running and stops the step loop. */
    @Override
    public void close() {}
}
