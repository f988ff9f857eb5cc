package dev.fairway.gateway.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The web chat: a static page at `/` and its assets under `/assets/`, all read from the jar at start-up (no CDN, no
 * file system). Its own files live in `webroot/`; the third-party libraries (Markdown, HTML sanitizer, syntax
 * highlighting) come from WebJars on the classpath, served under version-free names. The page talks to the public
 * API only. Every response carries a strict Content-Security-Policy: scripts and styles from this server only, no
 * inline script or style, no connection to any other host, and HTML reaches the DOM only through the sanitizer
 * (Trusted Types).
 */
public final class WebUi {
    public static final String CSP = String.join(
            "; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types dompurify");

    /** The page's own files, in webroot/ on the classpath; served as /assets/NAME (index.html as /). */
    public static final List<String> OWN_FILES =
            List.of("index.html", "app.css", "app.js", "api.js", "render.js", "settings.js", "icon.svg");

    /** /assets/vendor/NAME -> (Maven group, artifact, path inside the WebJar's versioned folder). */
    private record Vendor(String name, String group, String artifact, String path) {}

    private static final List<Vendor> VENDOR = List.of(
            new Vendor("marked.js", "org.webjars.npm", "marked", "lib/marked.umd.js"),
            new Vendor("purify.js", "org.webjars.npm", "dompurify", "dist/purify.min.js"),
            new Vendor("highlight.js", "org.webjars", "highlightjs", "highlight.min.js"));

    public record Asset(Buffer body, String contentType, String etag) {}

    private final Map<String, Asset> byPath;

    private WebUi(Map<String, Asset> byPath) {
        this.byPath = byPath;
    }

    /** Reads every asset; fails if one is missing from the classpath (a broken build, not a runtime condition). */
    public static WebUi load() {
        ClassLoader cl = WebUi.class.getClassLoader();
        Map<String, Asset> assets = new LinkedHashMap<>();
        for (String f : OWN_FILES) {
            assets.put(f.equals("index.html") ? "/" : "/assets/" + f, asset(read(cl, "webroot/" + f), f));
        }
        for (Vendor v : VENDOR) {
            String version = webJarVersion(cl, v.group(), v.artifact());
            String prefix = "META-INF/resources/webjars/" + v.artifact() + "/" + version + "/";
            assets.put("/assets/vendor/" + v.name(), asset(withoutSourceMap(read(cl, prefix + v.path())), v.name()));
        }
        return new WebUi(Map.copyOf(assets));
    }

    /** The served paths (for tests and the 404 check). */
    public Map<String, Asset> assets() {
        return byPath;
    }

    public void mount(Router router) {
        router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serve);
        router.route("/assets/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        Asset a = byPath.get(ctx.request().path());
        if (a == null) {
            ctx.next(); // the router's JSON 404
            return;
        }
        HttpServerResponse r = ctx.response();
        securityHeaders(r);
        // revalidated every time (a 304 on loopback costs nothing), so an upgraded server is never mixed with stale
        // files
        r.putHeader("Cache-Control", "no-cache").putHeader("ETag", a.etag()).putHeader("Content-Type", a.contentType());
        if (a.etag().equals(ctx.request().getHeader("If-None-Match"))) {
            r.setStatusCode(304).end();
            return;
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            r.putHeader("Content-Length", String.valueOf(a.body().length())).end();
            return;
        }
        r.end(a.body());
    }

    public static void securityHeaders(HttpServerResponse r) {
        r.putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin")
                .putHeader("Cross-Origin-Resource-Policy", "same-origin")
                .putHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    }

    private static Asset asset(byte[] bytes, String name) {
        return new Asset(Buffer.buffer(bytes), contentType(name), etag(bytes));
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) return "text/html; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".svg")) return "image/svg+xml";
        return "application/octet-stream";
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The browser would ask for the .map file (not served) whenever developer tools are open. */
    private static byte[] withoutSourceMap(byte[] js) {
        String s = new String(js, java.nio.charset.StandardCharsets.UTF_8);
        String stripped = s.replaceAll("(?m)^//# sourceMappingURL=\\S+\\s*$", "");
        return stripped.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String webJarVersion(ClassLoader cl, String group, String artifact) {
        String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        Properties p = new Properties();
        try (InputStream in = cl.getResourceAsStream(path)) {
            if (in == null)
                throw new IllegalStateException(
                        "WebJar " + group + ":" + artifact + " is not on the classpath (" + path + ")");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(ClassLoader cl, String path) {
        try (InputStream in = cl.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("web chat asset missing from the classpath: " + path);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
