package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.fairway.engine.gguf.HuggingFaceGguf;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path cache;

    @Test
    void localFolderIsUsedAsIs() {
        assertThat(ModelSource.resolve(TestModels.stories().toString(), cache))
                .isEqualTo(TestModels.stories().toAbsolutePath());
    }

    @Test
    void neitherFolderNorHuggingFaceIdIsOneClearError() {
        assertThatThrownBy(() -> ModelSource.resolve("no/such/folder/here", cache))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("neither a local folder nor a Hugging Face id");
    }

    @Test
    void somethingThatLooksLikeAPathIsNeverTakenForAHuggingFaceId() {
        for (String path : new String[] {
            "./models/SmolLM2",
            "../models/SmolLM2",
            "/no/such/model",
            "~/models/SmolLM2",
            "src/no-such-model",
            "models\\SmolLM2",
            "owner/name/"
        }) {
            assertThat(ModelSource.looksLikePath(path)).as(path).isTrue();
            assertThatThrownBy(() -> ModelSource.resolve(path, cache))
                    .as(path)
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("it looks like a path");
        }
        assertThatThrownBy(() -> ModelSource.resolve("~/models/SmolLM2", cache))
                .hasMessageContaining("~ is not expanded");
        assertThat(ModelSource.looksLikePath("HuggingFaceTB/SmolLM2-135M-Instruct"))
                .isFalse();
        assertThat(ModelSource.looksLikePath("TinyLlama/TinyLlama-1.1B-Chat-v1.0"))
                .isFalse();
    }

    @Test
    void folderWithoutConfigIsAClearError() {
        assertThatThrownBy(() -> Model.load(cache, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No config.json");
    }

    /** A stand-in for huggingface.co on 127.0.0.1: one repository with two GGUF files; counts file downloads. */
    private static HttpServer hub(AtomicInteger downloads) throws IOException {
        byte[] gguf = Files.readAllBytes(TestModels.shared().resolve("models/gguf/stories260K-Q8_0.gguf"));
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/api/models/acme/tiny-GGUF", x -> {
            byte[] b = ("{\"siblings\":[{\"rfilename\":\"README.md\"},{\"rfilename\":\"tiny-Q8_0.gguf\"},"
                            + "{\"rfilename\":\"tiny-Q4_0.gguf\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.createContext("/acme/tiny-GGUF/resolve/main/", x -> {
            boolean known = x.getRequestURI().getPath().endsWith("/tiny-Q8_0.gguf");
            if (known) downloads.incrementAndGet();
            x.sendResponseHeaders(known ? 200 : 404, known ? gguf.length : -1);
            if (known) x.getResponseBody().write(gguf);
            x.close();
        });
        s.start();
        return s;
    }

    @Test
    void ggufOfAHuggingFaceRepositoryIsPickedByQuantizationAndDownloadedOnce() throws Exception {
        AtomicInteger downloads = new AtomicInteger();
        HttpServer server = hub(downloads);
        try {
            var hf = new HuggingFaceGguf(
                    "http://127.0.0.1:" + server.getAddress().getPort(), null);
            Path file = ModelSource.resolve("acme/tiny-GGUF:q8_0", cache, hf);
            assertThat(file.getFileName()).hasToString("tiny-Q8_0.gguf");
            assertThat(Files.mismatch(file, TestModels.shared().resolve("models/gguf/stories260K-Q8_0.gguf")))
                    .isEqualTo(-1);
            assertThat(ModelSource.resolve("acme/tiny-GGUF/tiny-Q8_0.gguf", cache, hf))
                    .isEqualTo(file);
            assertThat(ModelSource.resolve("acme/tiny-GGUF:Q8_0", cache, hf)).isEqualTo(file);
            assertThat(downloads).hasValue(1);
            try (var dir = Files.list(file.getParent())) {
                assertThat(dir.map(p -> p.getFileName().toString())).containsExactly("tiny-Q8_0.gguf");
            }
            assertThatThrownBy(() -> ModelSource.resolve("acme/tiny-GGUF:Q5_K_M", cache, hf))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("has no Q5_K_M GGUF file (it has: tiny-Q8_0.gguf, tiny-Q4_0.gguf)");
            assertThatThrownBy(() -> ModelSource.resolve("acme/tiny-GGUF/tiny-Q4_0.gguf", cache, hf))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("HTTP 404");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void offlineGgufDownloadIsOneClearLine() {
        var hf = new HuggingFaceGguf("http://127.0.0.1:1", null);
        assertThatThrownBy(() -> ModelSource.resolve("acme/tiny-GGUF:Q4_K_M", cache, hf))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("Cannot download acme/tiny-GGUF:Q4_K_M from Hugging Face")
                .hasMessageContaining("Are you offline?")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
