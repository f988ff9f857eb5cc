package dev.fairway.gateway.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Closes connections of clients too slow to send a request (slow-loris) or idle too long between requests.
 * Vert.x's own idle timeout restarts at every byte, so a client trickling one byte a second would hold its
 * socket forever; here a deadline runs from connecting (then from a kept-alive request's headers) until the
 * whole request is in, and from each response's end until the next request. No deadline runs while a request
 * is being served, however long its generation or stream. Confined to the event loop of the server it serves.
 */
public final class ConnectionTimeouts {
    private final Vertx vertx;
    private final long requestMillis;
    private final long idleMillis;
    private final Map<HttpConnection, Connection> open = new HashMap<>();

    /** Either may be 0: no limit. */
    public ConnectionTimeouts(Vertx vertx, int requestSeconds, int idleSeconds) {
        this.vertx = vertx;
        this.requestMillis = requestSeconds * 1000L;
        this.idleMillis = idleSeconds * 1000L;
    }

    /** Server connection handler: the first request must be complete within the request timeout. */
    public void connected(HttpConnection connection) {
        Connection c = new Connection(connection);
        open.put(connection, c);
        connection.closeHandler(v -> {
            c.closed = true;
            c.disarm();
            open.remove(connection);
        });
        c.arm(requestMillis);
    }

    /** First route: a request's headers are in; its body must follow within the request timeout. */
    public void requestStarted(RoutingContext ctx) {
        Connection c = open.get(ctx.request().connection());
        if (c != null) {
            c.active++;
            // the first request keeps the deadline that started at connect
            if (c.sawRequest) c.arm(requestMillis);
            c.sawRequest = true;
            ctx.addEndHandler(v -> c.responseEnded());
        }
        ctx.next();
    }

    /** After BodyHandler: the whole request is in; nothing may cut it off while it is served. */
    public void requestComplete(RoutingContext ctx) {
        Connection c = open.get(ctx.request().connection());
        if (c != null) c.disarm();
        ctx.next();
    }

    /** Connections tracked (for tests). */
    public int openConnections() {
        return open.size();
    }

    private final class Connection {
        final HttpConnection connection;
        long timer = -1;
        /** Requests started and not yet answered; a pipelined request can start before its predecessor's end handler runs. */
        int active;

        boolean sawRequest;
        boolean closed;

        Connection(HttpConnection connection) {
            this.connection = connection;
        }

        void responseEnded() {
            active--;
            if (active == 0 && !closed) arm(idleMillis);
        }

        void arm(long millis) {
            disarm();
            if (millis > 0)
                timer = vertx.setTimer(millis, id -> {
                    timer = -1;
                    connection.close();
                });
        }

        void disarm() {
            if (timer != -1) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
