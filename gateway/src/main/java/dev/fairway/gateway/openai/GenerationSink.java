package dev.fairway.gateway.openai;

import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import java.util.List;

/** Engine events, delivered in order on the HTTP request's event loop. */
public interface GenerationSink {
    /** One or more token events: several when the engine got ahead of the event loop (written out together). */
    void onTokens(List<TokenEvent> events);

    void onComplete(GenerationResult result);

    /** The accepted exchange failed: an error response, or once streaming, an error event and [DONE]. */
    void onFailure(ApiError error);

    /** The server stopped the generation ({@code why}: shutting down); {@code partial} holds what it said. */
    default void onCut(GenerationResult partial, ApiError why) {
        onFailure(why);
    }
}
