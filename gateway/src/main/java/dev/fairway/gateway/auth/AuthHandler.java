package dev.fairway.gateway.auth;

import dev.fairway.gateway.http.ApiError;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * Resolves `Authorization: Bearer KEY` to a user name (the engine's fairness identity). With no users configured
 * on a loopback bind the server is open and everyone is `local`; any key is accepted then, since clients
 * (OpenAI SDKs) always send one.
 */
public final class AuthHandler {
    public static final String LOCAL_USER = "local";

    private final Pool pool;
    private final boolean loopback;

    public AuthHandler(Pool pool, boolean loopback) {
        this.pool = pool;
        this.loopback = loopback;
    }

    public void authenticate(RoutingContext ctx) {
        String key = bearer(ctx.request().getHeader("Authorization"));
        resolve(key).onSuccess(user -> {
            Caller.set(ctx, user);
            ctx.next();
        }).onFailure(ctx::fail);
    }

    /** One round trip: the key's user (if any) and whether any user exists at all. */
    private Future<String> resolve(String key) {
        String hash = key == null ? "" : ApiKeys.hash(key);
        return pool.preparedQuery("SELECT (SELECT name FROM users WHERE key_hash = ?), (SELECT count(*) FROM users)")
                .execute(Tuple.of(hash))
                .compose(rows -> {
                    Row row = rows.iterator().next();
                    String user = key == null ? null : row.getString(0);
                    if (user != null) return Future.succeededFuture(user);
                    if (loopback && row.getLong(1) == 0) return Future.succeededFuture(LOCAL_USER);
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
