package dev.fairway.gateway;

import dev.fairway.gateway.auth.AuthHandler;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.auth.LoopbackGuard;
import dev.fairway.gateway.auth.UserKeys;
import dev.fairway.gateway.conversations.ConversationItemsEndpoint;
import dev.fairway.gateway.conversations.ConversationsEndpoint;
import dev.fairway.gateway.embeddings.EmbeddingsEndpoint;
import dev.fairway.gateway.http.AccessLog;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.ConnectionTimeouts;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.ErrorResponder;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.metrics.HealthEndpoint;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.ollama.OllamaEndpoint;
import dev.fairway.gateway.ollama.OllamaErrors;
import dev.fairway.gateway.openai.CompletionsEndpoint;
import dev.fairway.gateway.openai.GenerationCall;
import dev.fairway.gateway.openai.ModelsEndpoint;
import dev.fairway.gateway.openai.TokenizeEndpoint;
import dev.fairway.gateway.responses.ResponsesEndpoint;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ResponseStore;
import dev.fairway.gateway.store.ServerDatabase;
import dev.fairway.gateway.web.WebUi;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** The HTTP server: routes, auth and validation ahead of the business handlers, one error format. */
public final class GatewayVerticle extends VerticleBase {
    private final GatewayConfig config;
    private final ModelRegistry models;
    private final java.util.function.BooleanSupplier started;
    private final GatewayMetrics metrics;
    private final ServerDatabase database;
    private final UserKeys userKeys;
    private final Drain drain;
    private HttpServer server;
    private HttpServer metricsServer;
    private ConnectionTimeouts timeouts;

    public GatewayVerticle(
            GatewayConfig config,
            ModelRegistry models,
            java.util.function.BooleanSupplier started,
            GatewayMetrics metrics,
            ServerDatabase database,
            UserKeys userKeys,
            Drain drain) {
        this.config = config;
        this.models = models;
        this.started = started;
        this.metrics = metrics;
        this.database = database;
        this.userKeys = userKeys;
        this.drain = drain;
    }

    @Override
    public Future<?> start() {
        timeouts = new ConnectionTimeouts(vertx, config.headerTimeoutSeconds(), config.idleTimeoutSeconds());
        server = listener(config.host(), config.port()).requestHandler(router());
        Future<?> listening = server.listen();
        if (!config.separateMetrics()) return listening;
        metricsServer = listener(config.metricsHost(), config.metricsPort()).requestHandler(metricsRouter());
        return listening.compose(s -> metricsServer.listen());
    }

    /**
     * No h2c: with it Vert.x sees a connection only once its first request's headers are parsed, too late to time out
     * a client trickling them (clients fall back to HTTP/1.1, as the OpenAI SDKs use anyway).
     */
    private HttpServer listener(String host, int port) {
        return vertx.createHttpServer(new HttpServerOptions()
                        .setHost(host)
                        .setPort(port)
                        .setCompressionSupported(false)
                        .setHttp2ClearTextEnabled(false))
                .connectionHandler(timeouts::connected)
                .invalidRequestHandler(ErrorResponder::handleInvalidRequest);
    }

    /** Stops listening and closes the open connections (after a drain, none is mid-request). */
    Future<Void> closeServer() {
        return metricsServer == null ? server.close() : server.close().compose(v -> metricsServer.close());
    }

    public int actualPort() {
        return server.actualPort();
    }

    public int actualMetricsPort() {
        return metricsServer == null ? -1 : metricsServer.actualPort();
    }

    private Router router() {
        AuthHandler auth = new AuthHandler(userKeys, config.loopback());
        ModelAccess access = new ModelAccess(this.models);
        CompletionsEndpoint completions = new CompletionsEndpoint(access, metrics, drain);
        ModelsEndpoint models = new ModelsEndpoint(this.models);
        TokenizeEndpoint tokenize = new TokenizeEndpoint(access);
        EmbeddingsEndpoint embeddings = new EmbeddingsEndpoint(access);
        OllamaEndpoint ollama = new OllamaEndpoint(access, metrics, drain);
        HealthEndpoint health = new HealthEndpoint(this.models, started, metrics, drain);
        ConversationStore conversationStore = database.conversations();
        ConversationsEndpoint conversations = new ConversationsEndpoint(conversationStore, access, metrics, drain);
        ConversationItemsEndpoint items = new ConversationItemsEndpoint(conversationStore);
        ResponsesEndpoint responses = new ResponsesEndpoint(
                new ResponseStore(database.reads(), database.writer()),
                conversationStore,
                conversations.turnQueue(),
                access,
                metrics,
                drain);

        Router r = Router.router(vertx);
        r.route().handler(this::stamp);
        r.route().handler(timeouts::requestStarted);
        r.route().handler(drain::admit);
        r.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
        r.route().handler(timeouts::requestComplete);
        if (config.loopback()) r.route().handler(new LoopbackGuard(userKeys)::check);
        if (config.ui())
            WebUi.load().mount(r); // the web chat: public files, its API calls authenticate like any client's
        r.get("/health").handler(health::health);
        if (!config.separateMetrics()) {
            // beyond loopback anyone could read the load (and, with --metrics-per-user, user names): a key is required
            if (!config.loopback()) r.get("/metrics").handler(auth::authenticate);
            r.get("/metrics").handler(health::metrics);
        }

        r.route("/v1/*").handler(auth::authenticate);
        r.route("/tokenize").handler(auth::authenticate);
        r.route("/detokenize").handler(auth::authenticate);

        r.post("/v1/chat/completions").handler(completions::validateChat).handler(completions::generate);
        r.post("/v1/completions").handler(completions::validateText).handler(completions::generate);
        r.post("/v1/embeddings").handler(embeddings::validate).handler(embeddings::embed);
        r.get("/v1/models").handler(models::list);
        r.getWithRegex("/v1/models/(?<id>.+)").handler(models::get);
        r.post("/tokenize").handler(tokenize::tokenize);
        r.post("/detokenize").handler(tokenize::detokenize);

        r.post("/v1/responses").handler(responses::validate).handler(responses::create);
        r.get("/v1/responses/:id").handler(responses::get);
        r.delete("/v1/responses/:id").handler(responses::delete);
        r.get("/v1/responses/:id/input_items").handler(responses::inputItems);

        r.post("/v1/conversations").handler(conversations::parseBody).handler(conversations::create);
        r.get("/v1/conversations").handler(conversations::list);
        r.get("/v1/conversations/:id").handler(conversations::loadOwned).handler(conversations::get);
        r.post("/v1/conversations/:id")
                .handler(conversations::parseBody)
                .handler(conversations::loadOwned)
                .handler(conversations::update);
        r.patch("/v1/conversations/:id")
                .handler(conversations::parseBody)
                .handler(conversations::loadOwned)
                .handler(conversations::update);
        r.delete("/v1/conversations/:id").handler(conversations::loadOwned).handler(conversations::delete);
        r.get("/v1/conversations/:id/messages")
                .handler(conversations::loadOwned)
                .handler(conversations::listMessages);
        r.post("/v1/conversations/:id/messages")
                .handler(conversations::parseBody)
                .handler(conversations::loadOwned)
                .handler(conversations::postMessage);

        // Ollama's API: its own error shape, so its failure handler comes before the OpenAI one
        r.route("/api/*").handler(auth::authenticate);
        r.post("/api/chat").handler(ollama::validateChat).handler(ollama::generate);
        r.post("/api/generate").handler(ollama::validateGenerate).handler(ollama::generate);
        r.post("/api/embed").handler(ollama::embed);
        r.post("/api/embeddings").handler(ollama::legacyEmbed);
        r.get("/api/tags").handler(ollama::tags);
        r.post("/api/show").handler(ollama::show);
        r.get("/api/ps").handler(ollama::ps);
        r.get("/api/version").handler(ollama::version);
        r.route("/api/*").failureHandler(OllamaErrors::handleFailure);

        // OpenAI's conversation items (the messages above, as items)
        r.get("/v1/conversations/:id/items").handler(conversations::loadOwned).handler(items::list);
        r.post("/v1/conversations/:id/items")
                .handler(conversations::parseBody)
                .handler(conversations::loadOwned)
                .handler(items::create);
        r.get("/v1/conversations/:id/items/:item_id")
                .handler(conversations::loadOwned)
                .handler(items::get);
        r.delete("/v1/conversations/:id/items/:item_id")
                .handler(conversations::loadOwned)
                .handler(items::delete);

        r.route().failureHandler(ErrorResponder::handleFailure);
        r.errorHandler(404, GatewayVerticle::unknownRoute);
        r.errorHandler(405, ctx -> ErrorResponder.send(ctx.response(), ErrorResponder.toApiError(null, 405)));
        return r;
    }

    private static void unknownRoute(RoutingContext ctx) {
        ApiError error = ApiError.notFound(
                "Unknown route: " + ctx.request().method() + " " + ctx.request().path(), null, "unknown_url");
        if (ctx.request().path().startsWith("/api/")) OllamaErrors.send(ctx.response(), error);
        else ErrorResponder.send(ctx.response(), error);
    }

    /** The --metrics-port listener: /metrics only, no key (its address is the operator's access control). */
    private Router metricsRouter() {
        Router r = Router.router(vertx);
        r.route().handler(timeouts::requestStarted);
        r.route().handler(timeouts::requestComplete);
        r.get("/metrics").handler(new HealthEndpoint(models, started, metrics, drain)::metrics);
        r.route().failureHandler(ErrorResponder::handleFailure);
        r.errorHandler(
                404,
                ctx -> ErrorResponder.send(
                        ctx.response(), ApiError.notFound("Only /metrics is served here.", null, "unknown_url")));
        r.errorHandler(405, ctx -> ErrorResponder.send(ctx.response(), ErrorResponder.toApiError(null, 405)));
        return r;
    }

    private void stamp(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.put(GenerationCall.START_NANOS, start);
        String route = routeLabel(ctx.request().path());
        ctx.addEndHandler(v -> metrics.countRequest(route, ctx.response().getStatusCode()));
        AccessLog.begin(ctx, route, start, Caller::userOrNull, c -> c.get(GenerationCall.MODEL_LABEL));
        ctx.next();
    }

    /** Bounded label set: ids are folded so the metric stays small. */
    static String routeLabel(String path) {
        if (path == null) return "other";
        if (path.startsWith("/v1/conversations/")) {
            if (path.endsWith("/messages")) return "/v1/conversations/{id}/messages";
            if (path.contains("/items")) return "/v1/conversations/{id}/items";
            return "/v1/conversations/{id}";
        }
        if (path.startsWith("/v1/responses/"))
            return path.endsWith("/input_items") ? "/v1/responses/{id}/input_items" : "/v1/responses/{id}";
        if (path.startsWith("/v1/models/")) return "/v1/models/{id}";
        if (path.startsWith("/api/")) return OllamaEndpoint.ROUTES.contains(path) ? path : "other";
        return switch (path) {
            case "/v1/chat/completions",
                    "/v1/completions",
                    "/v1/embeddings",
                    "/v1/responses",
                    "/v1/models",
                    "/v1/conversations",
                    "/tokenize",
                    "/detokenize",
                    "/health",
                    "/metrics" -> path;
            default -> "other";
        };
    }
}
