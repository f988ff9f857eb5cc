package dev.fairway.gateway.auth;

import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.store.UserAdmin;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves `Authorization: Bearer KEY` to a user name (the engine's fairness identity). With no users configured
 * on a loopback bind the server is open and everyone is `local`; any key is accepted then, since clients
 * (OpenAI SDKs) always send one. There, and only there, a client may name itself with `X-Fairway-User: NAME`
 * (the web page's sign-in): that name owns its conversations and is its fairness identity. It is a label between
 * local clients that trust each other, not authentication; with users, keys decide and the header is ignored.
 */
public final class AuthHandler {
    public static final String LOCAL_USER = "local";
    public static final String USER_HEADER = "X-Fairway-User";

    private final UserKeys users;
    private final boolean loopback;

    public AuthHandler(UserKeys users, boolean loopback) {
        this.users = users;
        this.loopback = loopback;
    }

    public void authenticate(RoutingContext ctx) {
        String key = bearer(ctx.request().getHeader("Authorization"));
        resolve(key, ctx.request().getHeader(USER_HEADER))
                .onSuccess(user -> {
                    Caller.set(ctx, user);
                    ctx.next();
                })
                .onFailure(ctx::fail);
    }

    /** The key's user, or (while a loopback server has no users at all) the named user, `local` by default. */
    private Future<String> resolve(String key, String named) {
        return users.current().compose(byHash -> {
            String user = key == null ? null : byHash.get(ApiKeys.hash(key));
            if (user != null) return Future.succeededFuture(user);
            if (loopback && byHash.isEmpty()) {
                try {
                    return Future.succeededFuture(openUser(named));
                } catch (ApiError e) {
                    return Future.failedFuture(e);
                }
            }
            return Future.failedFuture(ApiError.unauthorized(
                    key == null
                            ? "Missing API key: send 'Authorization: Bearer KEY' (create one with `fairway users add NAME`)."
                            : "Incorrect API key provided."));
        });
    }

    /** The open server's caller: the X-Fairway-User name when given (a valid user name), else `local`. */
    static String openUser(String header) {
        if (header == null || header.isBlank()) return LOCAL_USER;
        String name = header.trim();
        if (name.equalsIgnoreCase(LOCAL_USER)) return LOCAL_USER;
        if (!UserAdmin.validName(name)) {
            throw ApiError.badRequest(
                    "Invalid " + USER_HEADER + " header: " + UserAdmin.NAME_RULE + ".", null, "invalid_user_name");
        }
        return name;
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
