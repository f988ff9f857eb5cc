package dev.fairway.gateway.auth;

import io.vertx.ext.web.RoutingContext;

/** Who is calling: set by AuthHandler, read by business handlers. */
public final class Caller {
    private static final String KEY = "fairway.user";

    private Caller() {}

    static void set(RoutingContext ctx, String user) {
        ctx.put(KEY, user);
    }

    /** The caller, or null before (or without) authentication: for the access log. */
    public static String userOrNull(RoutingContext ctx) {
        return ctx.get(KEY);
    }

    public static String user(RoutingContext ctx) {
        String user = ctx.get(KEY);
        if (user == null) throw new IllegalStateException("route without AuthHandler");
        return user;
    }
}
