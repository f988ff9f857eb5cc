package dev.fairway.cli.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyType;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The chat screens through Lanterna's virtual terminal, against a real server on stories260K. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatTuiTest {
    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = TestGateway.start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private static Path prefsFile() throws Exception {
        return Files.createTempDirectory("fairway-chat").resolve("chat.json");
    }

    @Test
    void signInChatHistoryReopenColoursSettingsDelete() throws Exception {
        Path prefs = prefsFile();
        ApiClient alice = new ApiClient(gateway.baseUrl(), null, "alice");
        try (VirtualChat chat = new VirtualChat(gateway.baseUrl(), null, prefs)) {
            // sign in with a name (the open loopback server): it becomes X-Fairway-User
            chat.waitFor("Your name");
            chat.type("alice");
            chat.key(KeyType.Enter);
            chat.waitForAll("New chat", "Past chats", "Settings", "Quit", "context 512 tokens");
            // new chat; the reply streams in, with tok/s, TTFT and context in the status line
            chat.key(KeyType.Enter);
            chat.waitFor("New chat: type a message");
            chat.type("Once upon a time");
            chat.key(KeyType.Enter);
            String status = " stories260K.*│ \\d+\\.\\d tok/s │ TTFT \\d+ ms │ ctx \\d+/512.*";
            String screen = chat.waitForReply(t -> VirtualChat.statusLine(t).matches(status)
                    && t.contains("you › Once upon a time")
                    && t.contains("model › "));
            assertThat(VirtualChat.statusLine(screen)).matches(status);
            assertThat(screen).contains("you › Once upon a time", "model › ");
            List<ApiClient.Summary> list = alice.conversations(10);
            assertThat(list).hasSize(1);
            String id = list.get(0).id();
            assertThat(list.get(0).title()).isEqualTo("Once upon a time");
            // Esc: the menu; past chats lists it
            chat.key(KeyType.Escape);
            chat.waitFor("↑/↓ and Enter");
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.Enter);
            chat.waitForAll("newest first", "Once upon a time", "1 conversations");
            // reopen and continue
            chat.key(KeyType.Enter);
            chat.waitFor("Reopened \"Once upon a time\" (2 messages)");
            chat.type("The dog ran");
            chat.key(KeyType.Enter);
            chat.waitFor("you › The dog ran");
            chat.waitForReply();
            assertThat(alice.conversation(id).messages()).hasSize(4);
            // settings of this chat (F2): the user's colour becomes red, temperature 0.5 goes into its metadata
            chat.key(KeyType.F2);
            chat.waitFor("This chat's settings");
            chat.key(KeyType.ArrowLeft); // cyan -> magenta
            chat.key(KeyType.ArrowLeft); // -> blue
            chat.key(KeyType.ArrowLeft); // -> yellow
            chat.key(KeyType.ArrowLeft); // -> green
            chat.key(KeyType.ArrowLeft); // -> red
            chat.waitFor("◀ red ▶");
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowDown);
            chat.key(KeyType.ArrowDown);
            chat.type("0.5");
            chat.key(KeyType.Enter);
            chat.waitFor(
                    "the chat in the new colour",
                    t -> t.contains("Settings saved.") && redUserLine(chat, t) >= 0,
                    java.time.Duration.ofSeconds(60));
            int row = redUserLine(chat, chat.text());
            assertThat(row).as("the row of 'you › The dog ran' in red").isNotNegative();
            assertThat(chat.at(6, row).getForegroundColor()).isEqualTo(TextColor.ANSI.RED);
            assertThat(chat.at(6, row).getCharacterString()).isEqualTo("T");
            assertThat(Files.readString(prefs)).contains("\"user_colour\" : \"red\"", "\"temperature\" : \"0.5\"");
            assertThat(alice.conversation(id).metadata().get("temperature")).isEqualTo("0.5");
            // stop a reply (Ctrl-C): the screen marks it stopped, the client stays usable
            // braked, the reply is still streaming when Ctrl-C arrives, however slow the machine
            try (EngineBrake brake = EngineBrake.on(gateway)) {
                chat.type("Tell me a very long story");
                chat.key(KeyType.Enter);
                chat.ctrl('c');
                chat.waitFor("Stopped: the partial reply is kept.");
            }
            assertThat(chat.running()).isTrue();
            // delete from the history
            chat.key(KeyType.Escape);
            chat.waitFor("↑/↓ and Enter");
            chat.type("h");
            chat.waitFor("newest first");
            chat.type("d");
            chat.waitFor("and its messages? y/n");
            chat.type("y");
            chat.waitForAll("Deleted \"Once upon a time\"", "(none yet)");
            assertThat(alice.conversations(10)).isEmpty();
        }
        // the colours and defaults survive: a new client reads them
        assertThat(ChatPrefs.load(prefs).userColour).isEqualTo("red");
        assertThat(ChatPrefs.load(prefs).user).isEqualTo("alice");
    }

    /** The row showing "you › The dog ran" with its text painted red (the new colour), or -1. */
    private static int redUserLine(VirtualChat chat, String screen) {
        List<String> rows = screen.lines().toList();
        for (int r = 0; r < rows.size(); r++) {
            if (rows.get(r).startsWith("you › The dog ran") && chat.at(6, r).getForegroundColor() == TextColor.ANSI.RED)
                return r;
        }
        return -1;
    }

    @Test
    void renameFromTheHistory() throws Exception {
        ApiClient bob = new ApiClient(gateway.baseUrl(), null, "bob");
        String id = bob.create("Old", java.util.Map.of());
        try (VirtualChat chat = new VirtualChat(gateway.baseUrl(), "bob", prefsFile())) {
            chat.waitFor("New chat");
            chat.type("h");
            chat.waitFor("Old");
            chat.type("r");
            chat.waitFor("New title: Old");
            for (int i = 0; i < 3; i++) chat.key(KeyType.Backspace);
            chat.type("Renamed");
            chat.key(KeyType.Enter);
            chat.waitFor("Renamed.");
            assertThat(bob.conversation(id).title()).isEqualTo("Renamed");
        }
    }

    @Test
    void threeClientsOnOneServerAllGetTheirReplies() throws Exception {
        List<VirtualChat> chats = new ArrayList<>();
        try {
            for (String user : List.of("ann", "ben", "cat")) {
                VirtualChat c = new VirtualChat(gateway.baseUrl(), user, prefsFile());
                chats.add(c);
                c.waitFor("New chat");
                c.key(KeyType.Enter);
                c.waitFor("New chat: type a message");
            }
            for (VirtualChat c : chats) {
                c.type("Once upon a time");
                c.key(KeyType.Enter);
            }
            for (VirtualChat c : chats) {
                String screen = c.waitForReply();
                assertThat(screen).contains("model › ");
                assertThat(screen).doesNotContain("Error");
            }
            for (String user : List.of("ann", "ben", "cat")) {
                List<ApiClient.Summary> list = new ApiClient(gateway.baseUrl(), null, user).conversations(10);
                assertThat(list).as(user).hasSize(1);
                assertThat(list.get(0).preview()).as(user).isNotEmpty();
            }
        } finally {
            for (VirtualChat c : chats) c.close();
        }
    }

    @Test
    void aLongChatNeverFailsAndTheScreenSaysWhatWasLeftOut() throws Exception {
        try (VirtualChat chat = new VirtualChat(gateway.baseUrl(), "dan", prefsFile())) {
            chat.waitFor("New chat");
            chat.key(KeyType.Enter);
            chat.waitFor("New chat: type a message");
            boolean leftOut = false;
            for (int turn = 0; turn < 40 && !leftOut; turn++) {
                chat.type("Turn " + turn + ": once upon a time there was a dog who liked to play in the park");
                chat.key(KeyType.Enter);
                chat.waitFor("you › Turn " + turn + ":"); // this turn started: the status line no longer is the last
                String screen = chat.waitForReply();
                assertThat(screen).doesNotContain("Error");
                leftOut = screen.matches("(?s).*\\d+ oldest messages left out.*");
            }
            assertThat(leftOut)
                    .as("the status line says when the oldest turns are left out")
                    .isTrue();
        }
        assertThat(new Http(gateway.baseUrl()).get("/health").status()).isEqualTo(200);
    }

    @Test
    void wrapKeepsWordsAndNewlines() {
        assertThat(ChatTui.wrap("one two three", 7)).containsExactly("one two", "three");
        assertThat(ChatTui.wrap("abcdefghij", 4)).containsExactly("abcd", "efgh", "ij");
        assertThat(ChatTui.wrap("a\nb", 10)).containsExactly("a", "b");
        assertThat(ChatTui.invalidSetting(java.util.Map.of("temperature", "x"))).contains("temperature");
        assertThat(ChatTui.invalidSetting(java.util.Map.of("max_tokens", "0"))).contains("max_tokens");
        assertThat(ChatTui.invalidSetting(java.util.Map.of("temperature", "0.7", "max_tokens", "")))
                .isNull();
    }
}
