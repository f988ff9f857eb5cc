package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The OCI image tarball of `./fairway image` (given as -Dfairway.image=PATH; `./fairway test` builds and passes it):
 * a valid OCI image layout whose digests match, with the entrypoint, port and files a container needs; and, where
 * podman can run containers here, the image serves /health and a chat.
 */
class ImageTarballTest {
    private static final Pattern LISTENING = Pattern.compile("Fairway listening on (http://\\S+)");

    private static Path image() {
        String path = System.getProperty("fairway.image");
        Assumptions.assumeTrue(path != null && !path.isBlank(), "no -Dfairway.image (built by ./fairway image)");
        return Path.of(path);
    }

    /** One blob or file of the tarball: its bytes when small (JSON), else only its digest and size. */
    private record Entry(String sha256, long size, byte[] smallContent) {
        JsonNode json() {
            return Http.parse(new String(smallContent, StandardCharsets.UTF_8));
        }
    }

    @Test
    void theTarballIsAnOciImageWhoseDigestsMatchAndWhichHoldsARuntimeAndTheApplication() throws Exception {
        Map<String, Entry> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(image())) {
            Tar.read(in, (name, content, size) -> entries.put(name, entry(content, size)));
        }
        assertThat(entries.get("oci-layout").json().get("imageLayoutVersion").asText())
                .isEqualTo("1.0.0");
        JsonNode index = entries.get("index.json").json();
        JsonNode manifestRef = index.get("manifests").get(0);
        assertThat(manifestRef.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        Entry manifestBlob = blob(entries, manifestRef);
        JsonNode manifest = manifestBlob.json();

        JsonNode configRef = manifest.get("config");
        assertThat(configRef.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
        JsonNode config = blob(entries, configRef).json();
        assertThat(config.get("architecture").asText()).isEqualTo("amd64");
        assertThat(config.get("os").asText()).isEqualTo("linux");
        JsonNode container = config.get("config");
        assertThat(container.get("Entrypoint").get(0).asText()).isEqualTo("/opt/java/bin/java");
        assertThat(container.get("Entrypoint").toString()).contains("dev.fairway.cli.FairwayCli");
        assertThat(container.get("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(container.get("Volumes").has("/data")).isTrue();

        // every layer present, its digest and size those of the blob, its diff_id that of the uncompressed tar
        JsonNode layers = manifest.get("layers");
        JsonNode diffIds = config.get("rootfs").get("diff_ids");
        assertThat(layers.size()).isPositive().isEqualTo(diffIds.size());
        List<String> files = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            assertThat(layer.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
            blob(entries, layer);
            String digest = layer.get("digest").asText();
            MessageDigest uncompressed = MessageDigest.getInstance("SHA-256");
            try (InputStream tar = new DigestInputStream(
                    new GZIPInputStream(Tar.open(image(), "blobs/sha256/" + digest.substring(7))), uncompressed)) {
                Tar.read(tar, (name, content, size) -> files.add(name));
                tar.transferTo(java.io.OutputStream.nullOutputStream()); // the end-of-archive blocks count too
            }
            assertThat("sha256:" + HexFormat.of().formatHex(uncompressed.digest()))
                    .as("diff_id of layer " + i)
                    .isEqualTo(diffIds.get(i).asText());
        }
        assertThat(files)
                .anyMatch(f -> f.endsWith("opt/java/bin/java"))
                .anyMatch(f -> f.endsWith("opt/java/lib/server/libjvm.so"))
                .anyMatch(f -> f.endsWith("lib64/ld-linux-x86-64.so.2"))
                .anyMatch(f -> f.endsWith("lib/x86_64-linux-gnu/libc.so.6"))
                .anyMatch(f -> f.endsWith("app/classes/dev/fairway/cli/FairwayCli.class"))
                .anyMatch(f -> f.matches(".*app/libs/gateway-.*\\.jar"));
    }

    /** Where podman can run a container here (it cannot everywhere: cgroups, rlimits), the image serves a chat. */
    @Test
    void theImageServesAChatWherePodmanRunsContainers() throws Exception {
        Path image = image();
        Podman podman = Podman.probe(image);
        Path data = Files.createTempDirectory("fairway-image-data");
        String name = "fairway-image-test-" + ProcessHandle.current().pid();
        List<String> run = podman.run(
                name,
                "-v",
                TestGateway.modelPath() + ":/models/model:ro",
                "-v",
                data + ":/data",
                podman.tag(),
                "serve",
                "--model",
                "/models/model",
                "--port",
                "0",
                "--kv-mb",
                "32");
        Process p = new ProcessBuilder(run).redirectErrorStream(true).start();
        try {
            String base = listening(p);
            Http http = new Http(base);
            assertThat(http.get("/health").json().get("status").asText()).isEqualTo("ok");
            Http.Response chat = http.post(
                    "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":8,"
                            + "\"temperature\":0}");
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("usage").get("completion_tokens").asInt())
                    .isPositive();
            assertThat(data.resolve("fairway.db")).exists(); // FAIRWAY_DB points into the /data volume
        } finally {
            podman.remove(name);
            p.destroyForcibly();
        }
    }

    private static String listening(Process p) throws Exception {
        CompletableFuture<String> url = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (seen) {
                        seen.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) url.complete(m.group(1));
                }
            } catch (IOException ignored) {
                // the container ended
            }
            url.completeExceptionally(new IllegalStateException("the container exited"));
        });
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(180, TimeUnit.SECONDS);
        } catch (Exception e) {
            synchronized (seen) {
                throw new AssertionError("the container did not start serving:\n" + seen, e);
            }
        }
    }

    private static Entry entry(InputStream content, long size) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] small = null;
            if (size <= 1 << 20) {
                small = content.readAllBytes();
                sha.update(small);
            } else {
                content.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), sha));
            }
            return new Entry(HexFormat.of().formatHex(sha.digest()), size, small);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The blob a descriptor names: present, with the descriptor's size, and hashing to its digest. */
    private static Entry blob(Map<String, Entry> entries, JsonNode descriptor) {
        String digest = descriptor.get("digest").asText();
        assertThat(digest).startsWith("sha256:");
        Entry blob = entries.get("blobs/sha256/" + digest.substring(7));
        assertThat(blob).as("blob " + digest).isNotNull();
        assertThat(blob.sha256()).as("content of " + digest).isEqualTo(digest.substring(7));
        assertThat(blob.size())
                .as("size of " + digest)
                .isEqualTo(descriptor.get("size").asLong());
        return blob;
    }
}
