package dev.fairway.gateway.http;

import dev.fairway.engine.Engine;
import dev.fairway.engine.ModelInfo;

import java.nio.file.Path;
import java.util.Set;

/**
 * The engine once loaded; until then every model route answers 503. Here, beside the other plumbing the endpoints
 * share, so that openai/, conversations/ and metrics/ do not depend on the server's root package.
 */
public final class EngineState {
    private final String requestedModel;
    private volatile Engine engine;
    private volatile Set<String> names = Set.of();

    public EngineState(String requestedModel) {
        this.requestedModel = requestedModel;
    }

    public void ready(Engine engine) {
        ModelInfo info = engine.modelInfo();
        String base = Path.of(requestedModel).getFileName() == null ? requestedModel : Path.of(requestedModel).getFileName().toString();
        this.names = Set.copyOf(java.util.List.of(info.id(), requestedModel, base));
        this.engine = engine;
    }

    public boolean isReady() { return engine != null; }

    public Engine engine() {
        Engine e = engine;
        if (e == null) throw ApiError.notReady();
        return e;
    }

    public ModelInfo info() { return engine().modelInfo(); }

    /** The id to report; also checks that a requested model (may be null = default) is the one we serve. */
    public String resolveModel(String requested) {
        ModelInfo info = info();
        if (requested == null || names.contains(requested)) return info.id();
        throw ApiError.notFound("The model '" + requested + "' does not exist. This server serves '" + info.id() + "'.",
                "model", "model_not_found");
    }

    public boolean serves(String id) { return engine != null && names.contains(id); }

    public Engine engineOrNull() { return engine; }
}
