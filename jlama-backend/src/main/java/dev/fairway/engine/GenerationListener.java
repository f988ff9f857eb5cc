package dev.fairway.engine;

/**
 * Streaming callbacks. Called on the engine thread: implementations must return quickly and never block
 * (hand off to an event loop or a queue). Exceptions thrown here cancel the request.
 */
public interface GenerationListener {
    GenerationListener NONE = new GenerationListener() {};

    /** The request left the queue and its prompt is being prefilled. */
    default void onStarted() {}

    default void onToken(TokenEvent event) {}

    /** Exactly once per request, after every choice finished (also on cancel and error). */
    default void onComplete(GenerationResult result) {}
}
