package dev.fairway.cli.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * `fairway chat` as a separate JVM, the command line the launcher builds: full screen in a real pseudo-terminal
 * (tmux: keys in, the pane's text out) with its embedded server, and pipe mode against a running server for 40 turns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatProcessTest {
    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = TestGateway.start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private static List<String> java(String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m",
                "-cp",
                classpath,
                "dev.fairway.cli.FairwayCli",
                "chat"));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void pipeModeFortyTurnsOneMessagePerLine() throws Exception {
        Path config = Files.createTempDirectory("fairway-pipe").resolve("chat.json");
        Process p = new ProcessBuilder(
                        java("--url", gateway.baseUrl(), "--user", "piper", "--config", config.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 40; i++) lines.append("Turn ").append(i).append(": once upon a time there was a cat\n");
        try (var in = p.getOutputStream()) {
            in.write(lines.toString().getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).isNotBlank().doesNotContain("\u001b"); // plain text: no escape sequences
        ApiClient api = new ApiClient(gateway.baseUrl(), null, "piper");
        List<ApiClient.Summary> list = api.conversations(10);
        assertThat(list).hasSize(1);
        List<ApiClient.Message> messages = api.conversation(list.get(0).id()).messages();
        assertThat(messages).hasSize(80);
        assertThat(messages).allMatch(m -> m.status().equals("completed"));
        // every reply was printed, in order
        int at = 0;
        for (ApiClient.Message m : messages) {
            if (!m.role().equals("assistant") || m.content().isEmpty()) continue;
            int found = out.indexOf(m.content(), at);
            assertThat(found).as("reply printed in order").isGreaterThanOrEqualTo(0);
            at = found + m.content().length();
        }
        assertThat(new dev.fairway.gateway.Http(gateway.baseUrl())
                        .get("/health")
                        .status())
                .isEqualTo(200);
    }

    /** A tmux server of this test's own (-L socket), so nothing else's sessions are touched. */
    private static final String SOCKET =
            "fairway-chat-test-" + ProcessHandle.current().pid();

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-u", "-L", SOCKET));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private static String waitForPane(String what, Predicate<String> test, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        String pane = "";
        while (System.nanoTime() < end) {
            pane = tmux("capture-pane", "-p", "-t", "chat");
            if (test.test(pane)) return pane;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; the pane:\n" + pane);
    }

    private static boolean hasTmux() {
        try {
            return new ProcessBuilder("tmux", "-V").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void fullScreenInARealTerminalWithItsEmbeddedServer() throws Exception {
        if (!hasTmux()) {
            // ./fairway test installs tmux; there this test must run
            assertThat(System.getenv("CI"))
                    .as("tmux is required under CI (./fairway test installs it)")
                    .isNull();
            Assumptions.abort("tmux is not installed");
        }
        Path dir = Files.createTempDirectory("fairway-tmux");
        Path script = dir.resolve("chat.sh");
        StringBuilder cmd = new StringBuilder();
        for (String a : java(
                "--model",
                TestGateway.modelPath(),
                "--kv-mb",
                "32",
                "--threads",
                "2",
                "--db",
                dir.resolve("chat.db").toString(),
                "--user",
                "erin",
                "--config",
                dir.resolve("chat.json").toString())) {
            cmd.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        Files.writeString(script, cmd + "\necho \"EXITED rc=$?\"\n");
        tmux("kill-server");
        tmux("new-session", "-d", "-s", "chat", "-x", "120", "-y", "40", "bash --norc --noprofile");
        try {
            tmux("send-keys", "-t", "chat", "bash " + script, "Enter");
            waitForPane("the menu", s -> s.contains("New chat") && s.contains("context 512 tokens"), 120);
            tmux("send-keys", "-t", "chat", "Enter");
            waitForPane("a new chat", s -> s.contains("New chat: type a message"), 60);
            tmux("send-keys", "-t", "chat", "-l", "Once upon a time");
            tmux("send-keys", "-t", "chat", "Enter");
            String pane = waitForPane(
                    "a streamed reply",
                    s -> s.lines().anyMatch(l -> l.matches(".*\\d+\\.\\d tok/s │ TTFT \\d+ ms.*"))
                            && !s.contains("streaming (Ctrl-C")
                            && s.contains("you › Once upon a time")
                            && s.contains("Fairway chat · erin · Once upon a time")
                            && s.contains("model › ")
                            && s.contains("Enter send"), // all of it: the pane may be caught mid-repaint
                    120);
            assertThat(pane)
                    .contains(
                            "Fairway chat · erin · Once upon a time",
                            "you › Once upon a time",
                            "model › ",
                            "Enter send");
            System.out.println("[ChatProcessTest] the chat screen in tmux:\n" + pane);
            // quit: the terminal is restored (the shell's cooked mode, echo on)
            tmux("send-keys", "-t", "chat", "C-q");
            waitForPane("the client to exit", s -> s.contains("EXITED rc=0"), 60);
            tmux(
                    "send-keys",
                    "-t",
                    "chat",
                    "stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo END",
                    "Enter");
            String restored = waitForPane(
                    "stty",
                    s -> s.contains("echo END") && s.lines().anyMatch(l -> l.contains("icanon") && !l.contains("stty")),
                    60);
            assertThat(restored)
                    .contains("icanon echo")
                    .doesNotContain("-icanon")
                    .doesNotContain("-echo ");
        } finally {
            tmux("kill-server");
        }
    }
}
