package dev.fairway.engine.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One GGUF file of a Hugging Face repository, downloaded once into the cache: {@code owner/repo:QUANT} picks the file
 * whose name ends in that quantization (Q4_K_M, Q8_0, ...; as llama.cpp's {@code -hf} does), {@code
 * owner/repo/file.gguf} names it. The endpoint is {@code $HF_ENDPOINT} (default https://huggingface.co) and
 * {@code $HF_TOKEN} is sent when set, as Hugging Face's own tools do. Data goes to a ".part" file renamed when complete,
 * so an interrupted download is never taken for a model.
 */
public final class HuggingFaceGguf {
    private static final Pattern QUANT = Pattern.compile("([A-Za-z0-9][\\w.-]*/[\\w.-]+):([A-Za-z0-9_]+)");
    private static final Pattern FILE = Pattern.compile("([A-Za-z0-9][\\w.-]*/[\\w.-]+)/([\\w.-]+\\.gguf)");

    private final String endpoint;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    public HuggingFaceGguf(String endpoint, String token) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token;
    }

    /** From $HF_ENDPOINT and $HF_TOKEN. */
    public static HuggingFaceGguf fromEnvironment() {
        String ep = System.getenv("HF_ENDPOINT");
        return new HuggingFaceGguf(
                ep == null || ep.isBlank() ? "https://huggingface.co" : ep, System.getenv("HF_TOKEN"));
    }

    /** Whether {@code model} names a GGUF file of a repository (owner/repo:QUANT or owner/repo/file.gguf). */
    public static boolean isSpec(String model) {
        return QUANT.matcher(model).matches() || FILE.matcher(model).matches();
    }

    /** Told how far the download is. */
    public interface Progress {
        void update(String file, long done, long total);
    }

    /** The cached file for {@code spec}, downloaded first if it is not there yet. */
    public Path download(String spec, Path cacheDir, Progress progress) throws IOException, InterruptedException {
        Matcher q = QUANT.matcher(spec), f = FILE.matcher(spec);
        String repo, file;
        if (q.matches()) {
            repo = q.group(1);
            file = pick(repo, q.group(2));
        } else if (f.matches()) {
            repo = f.group(1);
            file = f.group(2);
        } else {
            throw new IllegalArgumentException("not owner/repo:QUANT or owner/repo/file.gguf: " + spec);
        }
        Path target = cacheDir.resolve("gguf").resolve(repo).resolve(file);
        if (Files.isRegularFile(target)) return target;
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(file + ".part");
        HttpResponse<InputStream> r = http.send(
                request(endpoint + "/" + repo + "/resolve/main/" + file), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " for " + repo + "/" + file);
            long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buf = new byte[1 << 16];
                long done = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.update(file, done, Math.max(total, done));
                }
                progress.update(file, done, done);
            }
        }
        if (!GgufModel.isGguf(part)) {
            Files.deleteIfExists(part);
            throw new IOException(repo + "/" + file + " is not a GGUF file");
        }
        return Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The repository's one GGUF file of this quantization (a split model's parts are refused by name). */
    private String pick(String repo, String quant) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(request(endpoint + "/api/models/" + repo), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " listing " + repo);
        JsonNode info = new ObjectMapper().readTree(r.body());
        List<String> ggufs = new ArrayList<>(), matches = new ArrayList<>();
        Pattern named = Pattern.compile(
                ".*[-._]" + Pattern.quote(quant.toUpperCase(Locale.ROOT)) + "\\.GGUF", Pattern.CASE_INSENSITIVE);
        for (JsonNode s : info.path("siblings")) {
            String name = s.path("rfilename").asText();
            if (!name.toLowerCase(Locale.ROOT).endsWith(".gguf") || name.contains("/")) continue;
            ggufs.add(name);
            if (named.matcher(name).matches()) matches.add(name);
        }
        if (matches.size() == 1) return matches.get(0);
        if (matches.isEmpty()) {
            throw new IOException(repo + " has no " + quant + " GGUF file (it has: "
                    + (ggufs.isEmpty() ? "none" : String.join(", ", ggufs)) + ")");
        }
        throw new IOException(repo + " has several " + quant + " files " + matches + ": name one as " + repo
                + "/FILE.gguf (split models are not supported)");
    }

    private HttpRequest request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        return b.build();
    }
}
