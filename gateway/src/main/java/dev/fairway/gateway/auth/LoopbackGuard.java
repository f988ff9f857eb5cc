package dev.fairway.gateway.auth;

import dev.fairway.gateway.http.ApiError;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keeps an open server (loopback bind, no users) to local clients. A web page can make the browser call
 * 127.0.0.1 under its own host name re-resolved to 127.0.0.1 (DNS rebinding: Host is then that name) or plainly
 * cross-site (Origin is then the page's site, or "null"). Both are refused; SDKs and curl send a loopback Host and
 * no Origin. Once users exist API keys protect instead, so the check steps aside. Names are never resolved: the
 * attack is a resolver saying 127.0.0.1.
 */
public final class LoopbackGuard {
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    private final UserKeys users;

    /** For loopback binds only: any other bind requires users, so it is never open. */
    public LoopbackGuard(UserKeys users) {
        this.users = users;
    }

    /** After BodyHandler (the users look-up may be asynchronous). */
    public void check(RoutingContext ctx) {
        ApiError refusal =
                refusal(ctx.request().getHeader("Host"), ctx.request().getHeader("Origin"));
        if (refusal == null) {
            ctx.next();
            return;
        }
        // only foreign-looking requests pay for the users look-up
        users.current()
                .onSuccess(byHash -> {
                    if (byHash.isEmpty()) ctx.fail(refusal);
                    else ctx.next();
                })
                .onFailure(ctx::fail);
    }

    /** Null when Host and Origin are loopback (or absent), else the 403 to answer on an open server. */
    static ApiError refusal(String host, String origin) {
        if (host != null && !loopbackHostHeader(host)) {
            return forbidden(
                    "forbidden_host",
                    "Host '" + host + "' is not a loopback name; this server has no users, "
                            + "so it only answers local clients (create a user to serve other names).");
        }
        if (origin != null && !loopbackOrigin(origin)) {
            return forbidden(
                    "forbidden_origin",
                    "Cross-origin request from '" + origin + "' refused: this server has no users, "
                            + "so it only answers local clients (create a user to allow other origins).");
        }
        return null;
    }

    private static ApiError forbidden(String code, String message) {
        return new ApiError(403, "invalid_request_error", code, null, message, null);
    }

    /** host, host:port, [v6] or [v6]:port. */
    static boolean loopbackHostHeader(String value) {
        String h = value.trim();
        String name;
        String port;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) return false;
            name = h.substring(0, close + 1);
            port = h.substring(close + 1);
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) return false; // bare IPv6 is not a valid Host
            name = colon < 0 ? h : h.substring(0, colon);
            port = colon < 0 ? "" : h.substring(colon);
        }
        if (!port.isEmpty()
                && !(port.charAt(0) == ':' && PORT.matcher(port.substring(1)).matches())) return false;
        return loopbackName(name);
    }

    static boolean loopbackOrigin(String origin) {
        if (origin.equals("null")) return false; // sandboxed frames, file: pages, redirects: anyone
        try {
            URI uri = new URI(origin.trim());
            return uri.getHost() != null && loopbackName(uri.getHost());
        } catch (Exception e) {
            return false;
        }
    }

    /** localhost, *.localhost, 127.0.0.0/8, [::1] (and IPv6 spellings of loopback). */
    static boolean loopbackName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (h.equals("localhost") || h.endsWith(".localhost")) return true;
        if (IPV4_LOOPBACK.matcher(h).matches()) return true;
        if (h.startsWith("[") && h.endsWith("]") && h.length() > 2) {
            try {
                // bracketed, so parsed as an IPv6 literal and never looked up
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
