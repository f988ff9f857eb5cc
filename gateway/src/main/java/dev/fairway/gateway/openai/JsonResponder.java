package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChoiceResult;
import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.http.Json;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Answers a non-streaming request with one completion object when the generation is done. */
public final class JsonResponder implements GenerationSink {
    private final HttpServerResponse response;
    private final Envelope envelope;

    public JsonResponder(HttpServerResponse response, Envelope envelope) {
        this.response = response;
        this.envelope = envelope;
    }

    @Override
    public void onTokens(List<TokenEvent> events) {}

    @Override
    public void onComplete(GenerationResult result) {
        if (response.closed() || response.ended()) return;
        for (ChoiceResult c : result.choices()) {
            if (c.finishReason() == FinishReason.ERROR) {
                ErrorResponder.send(
                        response,
                        new ApiError(
                                500,
                                "server_error",
                                null,
                                null,
                                c.error() == null ? "Generation failed." : c.error(),
                                null));
                return;
            }
        }
        response.putHeader("Content-Type", "application/json").end(Json.write(body(envelope, result)));
    }

    @Override
    public void onFailure(ApiError error) {
        ErrorResponder.send(response, error);
    }

    public static ObjectNode body(Envelope envelope, GenerationResult result) {
        ObjectNode body = envelope.full();
        ArrayNode choices = body.putArray("choices");
        for (ChoiceResult c : result.choices()) choices.add(envelope.shape().fullChoice(c));
        body.set("usage", Envelope.usage(result.usage()));
        return body;
    }
}
