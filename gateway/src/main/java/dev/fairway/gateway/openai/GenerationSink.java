package dev.fairway.gateway.openai;

import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;

import java.util.List;

/** Engine events, delivered in order on the HTTP request's event loop. */
public interface GenerationSink {
    /** One or more token events: several when the engine got ahead of the event loop (written out together). */
    void onTokens(List<TokenEvent> events);

    void onComplete(GenerationResult result);
}
