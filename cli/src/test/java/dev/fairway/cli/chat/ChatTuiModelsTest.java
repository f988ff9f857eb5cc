package dev.fairway.cli.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.input.KeyType;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.models.ModelsConfig;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The terminal client's model choice against a real server with two models: the settings screen offers the server's
 * default and each model (←/→), a new chat set to the second model is answered by it (the status line and the
 * conversation's metadata say so), and switching this chat's model (F2) moves its next turn to the other one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatTuiModelsTest {
    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = Gateway.start(
                        TestGateway.config(TestGateway.tempDb()),
                        ModelsConfig.of(
                                List.of(
                                        TestGateway.modelPath(),
                                        "jq4=" + TestGateway.shared().resolve("models/stories260K-JQ4")),
                                0,
                                null,
                                Duration.ZERO),
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void theSettingsScreenChoosesAmongTheServersModels() throws Exception {
        ApiClient carol = new ApiClient(gateway.baseUrl(), null, "carol");
        try (VirtualChat chat = new VirtualChat(
                gateway.baseUrl(),
                null,
                Files.createTempDirectory("fairway-chat").resolve("chat.json"))) {
            chat.waitFor("Your name");
            chat.type("carol");
            chat.key(KeyType.Enter);
            chat.waitFor("New chat");
            // settings of new chats: the model field cycles through the server's default and both models
            chat.type("3");
            chat.waitForAll("Settings of new chats", "◀ (server default: stories260K) ▶");
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowRight);
            chat.waitFor("◀ stories260K (context 512) ▶");
            chat.key(KeyType.ArrowRight);
            chat.waitFor("◀ jq4 (context 512) ▶");
            chat.type("x"); // a choice, not a text field
            assertThat(chat.text()).contains("◀ jq4 (context 512) ▶");
            chat.key(KeyType.Enter);
            chat.waitFor("Settings saved.");

            // a new chat on jq4
            chat.type("1");
            chat.waitFor("New chat: type a message");
            chat.type("Once upon a time");
            chat.key(KeyType.Enter);
            String screen = chat.waitForReply(t -> VirtualChat.statusLine(t).startsWith(" jq4 │"));
            assertThat(VirtualChat.statusLine(screen)).startsWith(" jq4 │");
            String id = carol.conversations(1).getFirst().id();
            assertThat(carol.conversation(id).metadata().get("model")).isEqualTo("jq4");

            // F2: this chat switches to stories260K; its next turn runs there
            chat.key(KeyType.F2);
            chat.waitFor("This chat's settings");
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowLeft);
            chat.waitFor("◀ stories260K (context 512) ▶");
            chat.key(KeyType.Enter);
            chat.waitFor("Settings saved.");
            assertThat(carol.conversation(id).metadata().get("model")).isEqualTo("stories260K");
            chat.type("The dog ran");
            chat.key(KeyType.Enter);
            chat.waitFor("you › The dog ran");
            screen = chat.waitForReply(t -> VirtualChat.statusLine(t).startsWith(" stories260K │"));
            assertThat(VirtualChat.statusLine(screen)).startsWith(" stories260K │");
            // the reply is stored as its stream ends; the screen can show the end a moment before the row is read back
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (carol.conversation(id).messages().size() < 4 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(carol.conversation(id).messages()).hasSize(4);
        }
    }
}
