package dev.fairway.cli;

import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import com.googlecode.lanterna.terminal.ansi.UnixTerminal;
import dev.fairway.cli.chat.ApiClient;
import dev.fairway.cli.chat.ChatPrefs;
import dev.fairway.cli.chat.ChatTui;
import dev.fairway.cli.chat.PipeChat;
import dev.fairway.cli.options.EngineOptions;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.GatewayConfig;
import dev.fairway.gateway.store.Database;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `fairway chat`: a full-screen terminal client of a Fairway server (see {@link ChatTui}), over the public HTTP API
 * only. With {@code --model} and no {@code --url} it starts an embedded server on a free loopback port for the session.
 * When stdin or stdout is not a terminal it reads one message per line and prints the streamed replies (see
 * {@link PipeChat}).
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description =
                "Full-screen terminal chat with a Fairway server (or, with --model and no --url, its own embedded one). "
                        + "Piped stdin/stdout: one message per line in, the streamed replies out.")
public final class ChatCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engineOptions;

    @Option(
            names = "--url",
            defaultValue = "${env:FAIRWAY_URL}",
            description =
                    "The server, e.g. http://127.0.0.1:8080 (env FAIRWAY_URL; default that, or an embedded server with --model).")
    String url;

    @Option(
            names = "--user",
            description = "Your name on an open loopback server (sent as X-Fairway-User); skips the sign-in screen.")
    String user;

    @Option(
            names = "--api-key",
            defaultValue = "${env:FAIRWAY_API_KEY}",
            description = "API key (env FAIRWAY_API_KEY); skips the sign-in screen.")
    String apiKey;

    @Option(
            names = "--db",
            defaultValue = "${env:FAIRWAY_DB}",
            description =
                    "The embedded server's SQLite file (env FAIRWAY_DB, default ~/.local/share/fairway/fairway.db).")
    Path db;

    @Option(
            names = "--config",
            description = "Settings file (default $XDG_CONFIG_HOME/fairway/chat.json, ~/.config/fairway/chat.json).")
    Path config;

    @Option(
            names = "--plain",
            description = "Pipe mode even on a terminal: one message per line, plain streamed replies.")
    boolean plain;

    @Option(names = "--system", description = "System prompt of new chats (this session).")
    String system;

    @Option(
            names = "--max-tokens",
            description = "max_tokens of new chats (this session; default: what fits the context).")
    Integer maxTokens;

    @Option(names = "--temperature", description = "Temperature of new chats (this session).")
    Double temperature;

    @Override
    public Integer call() throws Exception {
        boolean terminal = !plain && isTerminal();
        ChatPrefs prefs = ChatPrefs.load(config != null ? config : ChatPrefs.defaultFile());
        if (system != null) prefs.defaults.put("system", system);
        if (maxTokens != null) prefs.defaults.put("max_tokens", String.valueOf(maxTokens));
        if (temperature != null) prefs.defaults.put("temperature", String.valueOf(temperature));
        PrintStream err = System.err;
        Path log = null;
        if (terminal) { // the server's and the libraries' log lines must not scribble over the screen
            log = Files.createTempFile("fairway-chat-", ".log");
            System.setErr(new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8));
        }
        Gateway embedded = null;
        try {
            String base = url;
            if (base == null || base.isBlank()) {
                if (engineOptions.model() == null) {
                    base = "http://127.0.0.1:8080";
                } else {
                    if (terminal) err.println("fairway chat: loading " + engineOptions.model() + " ...");
                    embedded = startEmbedded(err);
                    if (embedded == null) return 1;
                    base = embedded.baseUrl();
                }
            }
            boolean signedIn = (apiKey != null && !apiKey.isBlank()) || (user != null && !user.isBlank()) || !terminal;
            ApiClient api =
                    new ApiClient(base, apiKey, user != null ? user : (terminal ? null : blankToNull(prefs.user)));
            if (!terminal) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                PrintStream out = new PrintStream(
                        new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
                return PipeChat.run(api, prefs, in, out, err);
            }
            if (signedIn && user != null) {
                prefs.user = user;
            }
            return runScreen(api, prefs, signedIn);
        } finally {
            if (embedded != null) embedded.stop(Duration.ofSeconds(2));
            if (terminal) {
                System.setErr(err);
                if (log != null && Files.size(log) == 0) Files.deleteIfExists(log);
                else if (log != null) err.println("fairway chat: log in " + log);
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private Gateway startEmbedded(PrintStream err) {
        GatewayConfig c = new GatewayConfig(
                engineOptions.requireModel(),
                "127.0.0.1",
                0,
                db != null ? db : Database.defaultPath(),
                8L * 1024 * 1024,
                engineOptions.builder().build(),
                GatewayConfig.DEFAULT_HEADER_TIMEOUT_SECONDS,
                GatewayConfig.DEFAULT_IDLE_TIMEOUT_SECONDS,
                "127.0.0.1",
                -1,
                false);
        try {
            return Gateway.start(c, new PrintStream(OutputStream.nullOutputStream()))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            err.println("fairway chat: could not start the embedded server: " + cause.getMessage());
            return null;
        }
    }

    /** The full-screen client; the terminal is restored however it ends (quit, exception, SIGTERM/SIGHUP). */
    private static int runScreen(ApiClient api, ChatPrefs prefs, boolean signedIn) throws IOException {
        UnixTerminal terminal =
                new UnixTerminal(System.in, System.out, StandardCharsets.UTF_8, UnixLikeTerminal.CtrlCBehaviour.TRAP);
        TerminalScreen screen = new TerminalScreen(terminal);
        Runnable restore = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (done) return;
                done = true;
                try {
                    screen.stopScreen(); // leaves the alternate screen
                    terminal.close(); // puts back the saved tty settings (echo, canonical mode) now, not at JVM exit
                } catch (IOException | RuntimeException ignored) {
                    // the terminal is gone
                }
            }
        };
        Thread hook = new Thread(restore, "fairway-chat-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            screen.startScreen();
            // Ctrl-Q (quit) and Ctrl-S would be XON/XOFF flow control; Lanterna puts back the saved settings on exit
            try {
                new ProcessBuilder("sh", "-c", "stty -ixon < /dev/tty").start().waitFor();
            } catch (IOException | InterruptedException ignored) {
                // no stty: Esc, then Quit in the menu, still works
            }
            new ChatTui(screen, api, prefs, signedIn).run();
            return 0;
        } finally {
            restore.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    /** Both stdin and stdout are terminals (asked of the shell: Java 21's System.console() cannot tell which). */
    static boolean isTerminal() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "[ -t 0 ] && [ -t 1 ]")
                    .inheritIO()
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
