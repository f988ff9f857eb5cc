package dev.fairway.gateway.auth;

import dev.fairway.gateway.http.ApiError;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves `Authorization: Bearer KEY` to a user name (the engine's fairness identity). With no users configured
 * on a loopback bind the server is open and everyone is `local`; any key is accepted then, since clients
 * (OpenAI SDKs) always send one.
 */
public final class AuthHandler {
    public static final String LOCAL_USER = "local";

    private final UserKeys users;
    private final boolean loopback;

    public AuthHandler(UserKeys users, boolean loopback) {
        this.users = users;
        this.loopback = loopback;
    }

    public void authenticate(RoutingContext ctx) {
        String key = bearer(ctx.request().getHeader("Authorization"));
        resolve(key).onSuccess(user -> {
            Caller.set(ctx, user);
            ctx.next();
        }).onFailure(ctx::fail);
    }

    /** The key's user, or `local` while a loopback server has no users at all. */
    private Future<String> resolve(String key) {
        return users.current().compose(byHash -> {
            String user = key == null ? null : byHash.get(ApiKeys.hash(key));
            if (user != null) return Future.succeededFuture(user);
            if (loopback && byHash.isEmpty()) return Future.succeededFuture(LOCAL_USER);
            return Future.failedFuture(ApiError.unauthorized(key == null
                    ? "Missing API key: send 'Authorization: Bearer KEY' (create one with `fairway users add NAME`)."
                    : "Incorrect API key provided."));
        });
    }

    static String bearer(String header) {
        if (header == null) return null;
        String h = header.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = h.substring(7).trim();
            return key.isEmpty() ? null : key;
        }
        return null;
    }
}
