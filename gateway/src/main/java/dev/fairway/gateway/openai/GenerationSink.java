package dev.fairway.gateway.openai;

import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;

/** Engine events, delivered in order on the HTTP request's event loop. */
public interface GenerationSink {
    void onToken(TokenEvent event);

    void onComplete(GenerationResult result);
}
