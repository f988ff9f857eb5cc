package dev.fairway.cli.chat;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/** The chat client on Lanterna's in-memory terminal (120x40): keys in, screen text and colours out. */
final class VirtualChat implements AutoCloseable {
    final DefaultVirtualTerminal terminal = new DefaultVirtualTerminal(new TerminalSize(120, 40));
    final ApiClient api;
    final ChatPrefs prefs;
    final ChatTui tui;
    private final TerminalScreen screen;
    private final Thread thread;
    private volatile Throwable crashed;

    VirtualChat(String baseUrl, String user, Path prefsFile) throws Exception {
        api = new ApiClient(baseUrl, null, user);
        prefs = ChatPrefs.load(prefsFile);
        screen = new TerminalScreen(terminal);
        screen.startScreen();
        tui = new ChatTui(screen, api, prefs, user != null);
        thread = new Thread(
                () -> {
                    try {
                        tui.run();
                    } catch (Throwable t) {
                        crashed = t;
                    }
                },
                "virtual-chat");
        thread.setDaemon(true);
        thread.start();
    }

    void type(String text) {
        for (char c : text.toCharArray()) terminal.addInput(new KeyStroke(c, false, false));
    }

    void key(KeyType type) {
        terminal.addInput(new KeyStroke(type));
    }

    void ctrl(char c) {
        terminal.addInput(new KeyStroke(c, true, false));
    }

    String row(int r) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < 120; c++) b.append(terminal.getCharacter(c, r).getCharacterString());
        return b.toString();
    }

    String text() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 40; r++) b.append(row(r).stripTrailing()).append('\n');
        return b.toString();
    }

    TextCharacter at(int column, int row) {
        return terminal.getCharacter(column, row);
    }

    /** Waits until the screen text satisfies {@code test}; fails with the screen. */
    String waitFor(String what, Predicate<String> test, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String t = text();
        while (System.nanoTime() < end) {
            if (crashed != null) throw new AssertionError("the client crashed", crashed);
            t = text();
            if (test.test(t)) return t;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what + "; the screen:\n" + t);
    }

    String waitFor(String contained) throws InterruptedException {
        return waitFor("'" + contained + "'", t -> t.contains(contained), Duration.ofSeconds(60));
    }

    /**
     * Until the screen shows every one of {@code parts}. The client repaints the screen cell by cell on its own
     * thread, so one part seen does not mean the others are painted yet: assert on a screen by waiting for all of it.
     */
    String waitForAll(String... parts) throws InterruptedException {
        return waitFor(
                String.join(", ", parts),
                t -> java.util.Arrays.stream(parts).allMatch(t::contains),
                Duration.ofSeconds(60));
    }

    /** A streamed reply finished: the status line has a tok/s figure and no longer says streaming. */
    String waitForReply() throws InterruptedException {
        return waitForReply(t -> true);
    }

    /** As {@link #waitForReply()}, on a screen that also satisfies {@code painted} (see {@link #waitForAll}). */
    String waitForReply(Predicate<String> painted) throws InterruptedException {
        return waitFor(
                "a finished reply",
                t -> t.lines().skip(1).findFirst().orElse("").matches(".*TTFT \\d+ ms.*")
                        && !t.contains("streaming (Ctrl-C")
                        && !t.contains("Waiting for the first token")
                        && painted.test(t),
                Duration.ofSeconds(120));
    }

    /** The status line (the screen's second row). */
    static String statusLine(String screen) {
        return screen.lines().skip(1).findFirst().orElse("");
    }

    boolean running() {
        return thread.isAlive();
    }

    @Override
    public void close() throws Exception {
        terminal.addInput(new KeyStroke('q', true, false));
        thread.join(5000);
        screen.stopScreen();
    }
}
