package dev.fairway.cli.chat;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The full-screen client behind `fairway chat`: sign-in, main menu, chat, history and settings screens, drawn with
 * Lanterna's Screen layer (a double buffer: each frame sends only the cells that changed). One UI thread owns all
 * state; the reply streams in on another thread, which hands each event to the UI thread through a queue.
 */
public final class ChatTui {
    enum View {
        SIGN_IN,
        MENU,
        CHAT,
        HISTORY,
        SETTINGS
    }

    static final List<String> MENU = List.of("New chat", "Past chats", "Settings", "Quit");
    static final String KEYS_CHAT =
            "Enter send · Ctrl-N new line · Ctrl-C/Ctrl-X stop · PgUp/PgDn scroll · F2 settings · Esc menu";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

    private final Screen screen;
    private final ApiClient api;
    private final ChatPrefs prefs;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private View view;
    private boolean quit;
    private boolean dirty = true;
    private String status = "";
    private boolean statusIsError;

    // sign-in
    private final StringBuilder signIn = new StringBuilder();
    // menu
    private int menuIndex;
    // chat
    private String conversationId;
    private String title = "";
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<Entry> transcript = new ArrayList<>();
    private final StringBuilder input = new StringBuilder();
    private int cursor;
    private int scroll; // lines up from the bottom
    private ApiClient.Turn turn;
    private String model = "?";
    private int contextLength;
    /** The server's models, its default first (refreshed when the settings open). */
    private List<ApiClient.Model> models = List.of();

    private long sentAt;
    private long firstTokenAt;
    private int tokens;
    private double tokPerSec = -1;
    private long ttftMs = -1;
    private int contextUsed = -1;
    private int truncated;
    private String retryContent;
    private long retryAt;
    // history
    private List<ApiClient.Summary> history = List.of();
    private int historyIndex;
    private String historyPrompt; // "rename" or "delete" while asking
    private final StringBuilder historyText = new StringBuilder();
    // settings
    private int settingsIndex;
    private boolean settingsForConversation;
    private final Map<String, String> editing = new LinkedHashMap<>();
    private View settingsBack = View.MENU;

    /** One message of the transcript; {@code partial} when its reply was stopped or cut. */
    static final class Entry {
        final String role;
        final StringBuilder text;
        boolean partial;

        Entry(String role, String text, boolean partial) {
            this.role = role;
            this.text = new StringBuilder(text);
            this.partial = partial;
        }
    }

    /** @param signedIn whether the name or key came from the command line (the sign-in screen is then skipped) */
    public ChatTui(Screen screen, ApiClient api, ChatPrefs prefs, boolean signedIn) {
        this.screen = screen;
        this.api = api;
        this.prefs = prefs;
        this.view = signedIn ? View.MENU : View.SIGN_IN;
        if (!signedIn) signIn.append(prefs.user);
        if (signedIn) connect();
    }

    /** Runs until Quit (or Ctrl-Q, or the input ends); the caller starts and stops the screen. */
    public void run() throws IOException {
        long lastDraw = 0;
        while (!quit) {
            KeyStroke key = screen.pollInput();
            boolean worked = false;
            while (key != null && !quit) {
                handle(key);
                worked = true;
                key = screen.pollInput();
            }
            Runnable r;
            while ((r = events.poll()) != null) {
                r.run();
                worked = true;
            }
            if (retryContent != null && System.currentTimeMillis() >= retryAt) {
                String c = retryContent;
                retryContent = null;
                send(c);
            }
            if (screen.doResizeIfNecessary() != null) dirty = true;
            long now = System.nanoTime();
            if (quit) break;
            if (dirty && (now - lastDraw > 30_000_000L || turn == null)) {
                draw();
                lastDraw = now;
                dirty = false;
            }
            if (!worked) {
                try {
                    Thread.sleep(8);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (turn != null) turn.cancel();
    }

    // ---- input

    void handle(KeyStroke k) {
        dirty = true;
        if (k.getKeyType() == KeyType.EOF) {
            quit = true;
            return;
        }
        if (isCtrl(k, 'q')) {
            quit = true;
            return;
        }
        switch (view) {
            case SIGN_IN -> signInKey(k);
            case MENU -> menuKey(k);
            case CHAT -> chatKey(k);
            case HISTORY -> historyKey(k);
            case SETTINGS -> settingsKey(k);
        }
    }

    private static boolean isCtrl(KeyStroke k, char c) {
        return k.getKeyType() == KeyType.Character && k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == c;
    }

    private static boolean typed(KeyStroke k) {
        return k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown();
    }

    private void signInKey(KeyStroke k) {
        if (isCtrl(k, 'c') || k.getKeyType() == KeyType.Escape) quit = true;
        else if (k.getKeyType() == KeyType.Backspace && !signIn.isEmpty()) signIn.setLength(signIn.length() - 1);
        else if (typed(k) && signIn.length() < 200) signIn.append(k.getCharacter());
        else if (k.getKeyType() == KeyType.Enter) {
            String s = signIn.toString().trim();
            if (s.isEmpty()) {
                error("Type your name (open server) or your API key (fw-...).");
                return;
            }
            if (s.startsWith("fw-")) api.signIn(s, null);
            else {
                api.signIn(null, s);
                prefs.user = s;
                savePrefs();
            }
            if (connect()) view = View.MENU;
        }
    }

    /** Checks the server and the sign-in: the model and its context, and that conversations may be listed. */
    private boolean connect() {
        try {
            models = api.models();
            ApiClient.Model m = models.isEmpty() ? new ApiClient.Model("?", 0) : models.getFirst();
            model = m.id();
            contextLength = m.contextLength();
            api.conversations(1);
            info("Signed in as " + (api.hasKey() ? "your key" : api.user() == null ? "local" : api.user()) + " on "
                    + api.baseUrl());
            return true;
        } catch (IOException e) {
            report(e);
            return false;
        }
    }

    private void menuKey(KeyStroke k) {
        switch (k.getKeyType()) {
            case ArrowUp -> menuIndex = (menuIndex + MENU.size() - 1) % MENU.size();
            case ArrowDown -> menuIndex = (menuIndex + 1) % MENU.size();
            case Enter -> choose(menuIndex);
            case Escape -> {
                if (conversationId != null || !transcript.isEmpty()) view = View.CHAT;
            }
            case Character -> {
                if (isCtrl(k, 'c')) quit = true;
                else if (!k.isCtrlDown() && k.getCharacter() >= '1' && k.getCharacter() <= '4')
                    choose(k.getCharacter() - '1');
                else if (k.getCharacter() == 'n') choose(0);
                else if (k.getCharacter() == 'h') choose(1);
                else if (k.getCharacter() == 's') choose(2);
                else if (k.getCharacter() == 'q') choose(3);
            }
            default -> {}
        }
    }

    private void choose(int item) {
        menuIndex = item;
        switch (item) {
            case 0 -> newChat();
            case 1 -> openHistory();
            case 2 -> openSettings(false);
            default -> quit = true;
        }
    }

    private void newChat() {
        stopReply();
        conversationId = null;
        title = "";
        transcript.clear();
        settings.clear();
        settings.putAll(prefs.defaults);
        input.setLength(0);
        cursor = 0;
        scroll = 0;
        resetStats();
        contextUsed = -1;
        truncated = 0;
        view = View.CHAT;
        info("New chat: type a message and press Enter.");
    }

    private void resetStats() {
        tokens = 0;
        tokPerSec = -1;
        ttftMs = -1;
    }

    private void chatKey(KeyStroke k) {
        if (isCtrl(k, 'c') || isCtrl(k, 'x')) {
            if (turn != null) stopReply();
            else if (isCtrl(k, 'c')) quit = true;
            return;
        }
        switch (k.getKeyType()) {
            case Escape -> {
                stopReply();
                view = View.MENU;
            }
            case F2 -> openSettings(true);
            case PageUp -> scroll += Math.max(1, transcriptRows() - 1);
            case PageDown -> scroll = Math.max(0, scroll - Math.max(1, transcriptRows() - 1));
            case Enter -> {
                if (k.isAltDown()) insert('\n');
                else if (turn == null && !input.toString().isBlank()) {
                    String text = input.toString().strip();
                    input.setLength(0);
                    cursor = 0;
                    send(text);
                }
            }
            case Backspace -> {
                if (cursor > 0) input.deleteCharAt(--cursor);
            }
            case Delete -> {
                if (cursor < input.length()) input.deleteCharAt(cursor);
            }
            case ArrowLeft -> cursor = Math.max(0, cursor - 1);
            case ArrowRight -> cursor = Math.min(input.length(), cursor + 1);
            case ArrowUp -> {
                if (input.isEmpty()) scroll++;
            }
            case ArrowDown -> {
                if (input.isEmpty()) scroll = Math.max(0, scroll - 1);
            }
            case Home -> cursor = input.lastIndexOf("\n", cursor - 1) + 1;
            case End -> {
                int e = input.indexOf("\n", cursor);
                cursor = e < 0 ? input.length() : e;
            }
            case Character -> {
                if (isCtrl(k, 'n') || isCtrl(k, 'j')) insert('\n');
                else if (isCtrl(k, 'o')) openSettings(true);
                else if (typed(k)) insert(k.getCharacter());
            }
            default -> {}
        }
    }

    private void insert(char c) {
        if (input.length() >= 32_000) return;
        input.insert(cursor++, c);
    }

    /** Sends a message: creates the conversation on the first one (titled by it, with the chat's settings). */
    private void send(String text) {
        try {
            if (conversationId == null) {
                Map<String, String> meta = new LinkedHashMap<>();
                settings.forEach((key, v) -> {
                    if (v != null && !v.isBlank()) meta.put(key, v);
                });
                String t = text.replace('\n', ' ');
                title = t.length() > 40 ? t.substring(0, 40) + "…" : t;
                conversationId = api.create(title, meta);
            }
        } catch (IOException e) {
            report(e);
            input.append(text);
            cursor = input.length();
            return;
        }
        transcript.add(new Entry("user", text, false));
        Entry reply = new Entry("assistant", "", false);
        transcript.add(reply);
        scroll = 0;
        resetStats();
        sentAt = System.nanoTime();
        firstTokenAt = 0;
        info("Waiting for the first token…");
        turn = api.send(conversationId, text, Map.of(), new ApiClient.TurnListener() {
            @Override
            public void onOpen(int left) {
                events.add(() -> truncated = left);
            }

            @Override
            public void onDelta(String delta) {
                long at = System.nanoTime();
                events.add(() -> {
                    if (firstTokenAt == 0) {
                        firstTokenAt = at;
                        ttftMs = (at - sentAt) / 1_000_000;
                    }
                    tokens++;
                    double secs = (at - firstTokenAt) / 1e9;
                    if (tokens > 1 && secs > 0) tokPerSec = (tokens - 1) / secs;
                    reply.text.append(delta);
                    if (contextUsed >= 0) contextUsed++;
                    dirty = true;
                });
            }

            @Override
            public void onDone(String finish, int prompt, int completion) {
                long at = System.nanoTime();
                events.add(() -> {
                    turn = null;
                    if (completion > 0) {
                        tokens = completion;
                        double secs = (at - (firstTokenAt == 0 ? sentAt : firstTokenAt)) / 1e9;
                        if (completion > 1 && secs > 0) tokPerSec = (completion - 1) / secs;
                    }
                    if (prompt >= 0 && completion >= 0) contextUsed = prompt + completion;
                    if ("stopped".equals(finish)) {
                        reply.partial = true;
                        info("Stopped: the partial reply is kept.");
                    } else if ("length".equals(finish)) info("The reply reached its token limit.");
                    else info("");
                    dirty = true;
                });
            }

            @Override
            public void onError(Exception e) {
                events.add(() -> {
                    turn = null;
                    transcript.remove(reply);
                    if (e instanceof ApiClient.ApiException a && a.status == 429) {
                        // refused before anything was stored: send the same message again when the server says
                        transcript.remove(transcript.size() - 1);
                        int wait = a.retryAfterSeconds == null ? 1 : Math.max(1, a.retryAfterSeconds);
                        retryContent = text;
                        retryAt = System.currentTimeMillis() + wait * 1000L;
                        error("Server busy (429): retrying in " + wait + " s");
                    } else {
                        if (e instanceof ApiClient.ApiException a && a.status != 200)
                            transcript.remove(transcript.size() - 1);
                        report(e);
                    }
                    dirty = true;
                });
            }
        });
    }

    private void stopReply() {
        if (turn != null) turn.cancel();
        retryContent = null;
    }

    private void openHistory() {
        try {
            history = api.conversations(100);
            historyIndex = 0;
            historyPrompt = null;
            view = View.HISTORY;
            info(history.isEmpty() ? "No conversations yet." : history.size() + " conversations");
        } catch (IOException e) {
            report(e);
        }
    }

    private void historyKey(KeyStroke k) {
        if (historyPrompt != null) {
            historyPromptKey(k);
            return;
        }
        switch (k.getKeyType()) {
            case ArrowUp -> historyIndex = Math.max(0, historyIndex - 1);
            case ArrowDown -> historyIndex = Math.min(Math.max(0, history.size() - 1), historyIndex + 1);
            case Escape -> view = View.MENU;
            case Enter -> {
                if (!history.isEmpty()) open(history.get(historyIndex).id());
            }
            case Character -> {
                if (isCtrl(k, 'c')) quit = true;
                else if (history.isEmpty()) return;
                else if (k.getCharacter() == 'r') {
                    historyPrompt = "rename";
                    historyText.setLength(0);
                    historyText.append(history.get(historyIndex).title());
                } else if (k.getCharacter() == 'd') historyPrompt = "delete";
            }
            case Delete -> {
                if (!history.isEmpty()) historyPrompt = "delete";
            }
            default -> {}
        }
    }

    private void historyPromptKey(KeyStroke k) {
        ApiClient.Summary s = history.get(historyIndex);
        if (k.getKeyType() == KeyType.Escape) {
            historyPrompt = null;
            return;
        }
        try {
            if (historyPrompt.equals("delete")) {
                if (typed(k) && (k.getCharacter() == 'y' || k.getCharacter() == 'Y')) {
                    api.delete(s.id());
                    if (s.id().equals(conversationId)) conversationId = null;
                    historyPrompt = null;
                    openHistory();
                    info("Deleted \"" + s.title() + "\"");
                } else if (typed(k) || k.getKeyType() == KeyType.Enter) historyPrompt = null;
            } else {
                if (k.getKeyType() == KeyType.Backspace && !historyText.isEmpty())
                    historyText.setLength(historyText.length() - 1);
                else if (typed(k) && historyText.length() < 200) historyText.append(k.getCharacter());
                else if (k.getKeyType() == KeyType.Enter
                        && !historyText.toString().isBlank()) {
                    api.update(s.id(), historyText.toString().strip(), null);
                    if (s.id().equals(conversationId))
                        title = historyText.toString().strip();
                    historyPrompt = null;
                    int at = historyIndex;
                    openHistory();
                    historyIndex = Math.min(at, Math.max(0, history.size() - 1));
                    info("Renamed.");
                }
            }
        } catch (IOException e) {
            historyPrompt = null;
            report(e);
        }
    }

    /** Opens a stored conversation to continue it, with its settings from its metadata. */
    private void open(String id) {
        try {
            stopReply();
            ApiClient.Conversation c = api.conversation(id);
            conversationId = c.id();
            title = c.title();
            transcript.clear();
            for (ApiClient.Message m : c.messages())
                transcript.add(new Entry(m.role(), m.content(), "partial".equals(m.status())));
            settings.clear();
            for (String key : ChatPrefs.CONVERSATION_KEYS)
                settings.put(key, c.metadata().getOrDefault(key, ""));
            input.setLength(0);
            cursor = 0;
            scroll = 0;
            resetStats();
            contextUsed = -1;
            truncated = 0;
            view = View.CHAT;
            info("Reopened \"" + title + "\" (" + c.messages().size() + " messages)");
        } catch (IOException e) {
            report(e);
        }
    }

    /** The model this chat's turns run on: its setting if the server offers it, else the server's default. */
    private ApiClient.Model chatModel() {
        String chosen = settings.getOrDefault("model", "");
        for (ApiClient.Model m : models) if (m.id().equals(chosen)) return m;
        return new ApiClient.Model(model, contextLength);
    }

    /** The model setting's choices: the server's default (empty), then every model it offers. */
    private List<String> modelChoices() {
        List<String> out = new ArrayList<>();
        out.add("");
        for (ApiClient.Model m : models) out.add(m.id());
        String current = editing.getOrDefault("model", "");
        if (!out.contains(current)) out.add(current); // remembered, no longer offered: shown, not lost
        return out;
    }

    // ---- settings

    static final List<String> SETTINGS =
            List.of("user colour", "model colour", "model", "temperature", "max_tokens", "system");

    private void openSettings(boolean forConversation) {
        settingsBack = view;
        settingsForConversation = forConversation && view == View.CHAT;
        editing.clear();
        editing.put("user colour", prefs.userColour);
        editing.put("model colour", prefs.modelColour);
        Map<String, String> source = settingsForConversation ? settings : prefs.defaults;
        for (String key : ChatPrefs.CONVERSATION_KEYS) editing.put(key, source.getOrDefault(key, ""));
        try {
            models = api.models(); // models may have been added (--models-dir) or loaded since
        } catch (IOException e) {
            // keep the list we have; saving will report a server that is gone
        }
        settingsIndex = 0;
        view = View.SETTINGS;
        info(
                settingsForConversation
                        ? "Settings of this chat (saved in its metadata) and your colours"
                        : "Settings of new chats and your colours");
    }

    private void settingsKey(KeyStroke k) {
        String field = SETTINGS.get(settingsIndex);
        boolean colour = field.endsWith("colour");
        boolean choice = field.equals("model");
        switch (k.getKeyType()) {
            case ArrowUp -> settingsIndex = (settingsIndex + SETTINGS.size() - 1) % SETTINGS.size();
            case ArrowDown, Tab -> settingsIndex = (settingsIndex + 1) % SETTINGS.size();
            case ArrowLeft, ArrowRight -> {
                if (colour) {
                    int i = ChatPrefs.COLOURS.indexOf(editing.get(field));
                    int n = ChatPrefs.COLOURS.size();
                    editing.put(
                            field, ChatPrefs.COLOURS.get((i + (k.getKeyType() == KeyType.ArrowRight ? 1 : n - 1)) % n));
                } else if (choice) {
                    List<String> choices = modelChoices();
                    int i = choices.indexOf(editing.get(field));
                    int n = choices.size();
                    editing.put(field, choices.get((i + (k.getKeyType() == KeyType.ArrowRight ? 1 : n - 1)) % n));
                }
            }
            case Backspace -> {
                String v = editing.get(field);
                if (!colour && !choice && !v.isEmpty()) editing.put(field, v.substring(0, v.length() - 1));
            }
            case Enter -> saveSettings();
            case Escape -> {
                view = settingsBack;
                info("Settings not changed.");
            }
            case Character -> {
                if (isCtrl(k, 'c')) quit = true;
                else if (colour && k.getCharacter() == ' ')
                    editing.put(
                            field,
                            ChatPrefs.COLOURS.get(
                                    (ChatPrefs.COLOURS.indexOf(editing.get(field)) + 1) % ChatPrefs.COLOURS.size()));
                else if (choice && k.getCharacter() == ' ') settingsKey(new KeyStroke(KeyType.ArrowRight));
                else if (!colour && !choice && typed(k) && editing.get(field).length() < 500)
                    editing.put(field, editing.get(field) + k.getCharacter());
            }
            default -> {}
        }
    }

    private void saveSettings() {
        String bad = invalidSetting(editing);
        if (bad != null) {
            error(bad);
            return;
        }
        prefs.userColour = editing.get("user colour");
        prefs.modelColour = editing.get("model colour");
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String key : ChatPrefs.CONVERSATION_KEYS)
            chosen.put(key, editing.get(key).strip());
        prefs.defaults.putAll(chosen); // a new chat starts with the last ones used, as on the web page
        savePrefs();
        if (settingsForConversation) {
            settings.putAll(chosen);
            if (conversationId != null) {
                try {
                    api.update(conversationId, null, chosen);
                } catch (IOException e) {
                    view = settingsBack;
                    report(e);
                    return;
                }
            }
        }
        view = settingsBack;
        info("Settings saved.");
    }

    static String invalidSetting(Map<String, String> s) {
        try {
            String t = s.getOrDefault("temperature", "").strip();
            if (!t.isEmpty() && (Double.parseDouble(t) < 0 || Double.parseDouble(t) > 2))
                return "temperature must be between 0 and 2";
        } catch (NumberFormatException e) {
            return "temperature must be a number (or empty for the default)";
        }
        try {
            String m = s.getOrDefault("max_tokens", "").strip();
            if (!m.isEmpty() && Integer.parseInt(m) < 1) return "max_tokens must be at least 1";
        } catch (NumberFormatException e) {
            return "max_tokens must be an integer (or empty: what fits the context)";
        }
        return null;
    }

    private void savePrefs() {
        try {
            prefs.save();
        } catch (IOException e) {
            error("Could not save settings: " + e.getMessage());
        }
    }

    // ---- status

    private void info(String s) {
        status = s;
        statusIsError = false;
    }

    private void error(String s) {
        status = s;
        statusIsError = true;
    }

    /** Errors as the status line says them: server down, refused key, busy, too long. */
    private void report(Exception e) {
        if (e instanceof ApiClient.ApiException a) {
            if (a.status == 401) {
                error("Key refused (401): sign in again. " + a.getMessage());
                view = View.SIGN_IN;
                signIn.setLength(0);
            } else if (a.status == 429) {
                error("Server busy (429)"
                        + (a.retryAfterSeconds != null ? ", retry in " + a.retryAfterSeconds + " s" : "") + ": "
                        + a.getMessage());
            } else if ("context_length_exceeded".equals(a.code)) {
                error("Too long for the model's context: " + a.getMessage());
            } else {
                error("Error" + (a.status != 200 ? " " + a.status : "") + ": " + a.getMessage());
            }
        } else if (e instanceof ConnectException
                || e instanceof HttpConnectTimeoutException
                || e.getCause() instanceof ConnectException) {
            error("Server unreachable at " + api.baseUrl() + " (is `fairway serve` running?)");
        } else {
            error("Error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    // ---- drawing

    private int transcriptRows() {
        TerminalSize size = screen.getTerminalSize();
        return Math.max(1, size.getRows() - 3 - inputRows(size.getColumns()));
    }

    private int inputRows(int columns) {
        return Math.min(
                6, Math.max(1, wrap(input.toString(), Math.max(1, columns - 2)).size()));
    }

    private void draw() throws IOException {
        screen.clear();
        TerminalSize size = screen.getTerminalSize();
        TextGraphics g = screen.newTextGraphics();
        int w = size.getColumns();
        int h = size.getRows();
        String where = switch (view) {
            case SIGN_IN -> "sign in";
            case MENU -> "menu";
            case CHAT -> title.isEmpty() ? "new chat" : title;
            case HISTORY -> "past chats";
            case SETTINGS -> "settings";
        };
        String who = api.hasKey() ? "key" : api.user() == null ? "local" : api.user();
        bar(g, 0, w, " Fairway chat · " + who + " · " + where, TextColor.ANSI.WHITE, TextColor.ANSI.BLUE);
        screen.setCursorPosition(null);
        switch (view) {
            case SIGN_IN -> drawSignIn(g, w, h);
            case MENU -> drawMenu(g, w, h);
            case CHAT -> drawChat(g, w, h);
            case HISTORY -> drawHistory(g, w, h);
            case SETTINGS -> drawSettings(g, w, h);
        }
        // always a delta: an automatic refresh clears the terminal first when a scrolling transcript changes most
        // cells, which flickers (and a reader of the terminal could catch it blank)
        screen.refresh(Screen.RefreshType.DELTA);
    }

    private void bar(TextGraphics g, int row, int w, String text, TextColor fg, TextColor bg) {
        g.setForegroundColor(fg);
        g.setBackgroundColor(bg);
        g.putString(0, row, pad(text, w));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
    }

    private void statusLine(TextGraphics g, int row, int w, String left) {
        String text = left;
        if (!status.isEmpty()) text = left.isEmpty() ? status : left + " │ " + status;
        if (statusIsError) bar(g, row, w, " " + text, TextColor.ANSI.WHITE, TextColor.ANSI.RED);
        else bar(g, row, w, " " + text, TextColor.ANSI.BLACK, TextColor.ANSI.WHITE);
    }

    private void drawSignIn(TextGraphics g, int w, int h) {
        g.putString(2, 2, "Server: " + api.baseUrl());
        g.putString(
                2,
                4,
                "Your name (an open server on this machine) or your API key (fw-..., from `fairway users add NAME`):");
        String shown =
                signIn.toString().startsWith("fw-") ? "fw-" + "*".repeat(signIn.length() - 3) : signIn.toString();
        g.putString(2, 6, "> " + shown);
        screen.setCursorPosition(new com.googlecode.lanterna.TerminalPosition(Math.min(w - 1, 4 + shown.length()), 6));
        g.putString(2, 8, "Enter sign in · Esc quit");
        statusLine(g, h - 1, w, "");
    }

    private void drawMenu(TextGraphics g, int w, int h) {
        g.putString(2, 2, "Model " + model + " · context " + contextLength + " tokens · " + api.baseUrl());
        for (int i = 0; i < MENU.size(); i++) {
            String item = (i == menuIndex ? " ▶ " : "   ") + (i + 1) + ". " + MENU.get(i) + " ";
            if (i == menuIndex) g.enableModifiers(SGR.REVERSE);
            g.putString(4, 4 + i, item);
            g.disableModifiers(SGR.REVERSE);
        }
        g.putString(2, 5 + MENU.size(), "↑/↓ and Enter (or 1-4) · Esc back to the chat · Ctrl-Q quit");
        statusLine(g, h - 1, w, "");
    }

    private String chatStatus() {
        ApiClient.Model chatModel = chatModel();
        StringBuilder s = new StringBuilder(chatModel.id());
        s.append(" │ ").append(tokPerSec >= 0 ? String.format(Locale.ROOT, "%.1f tok/s", tokPerSec) : "– tok/s");
        s.append(" │ TTFT ").append(ttftMs >= 0 ? ttftMs + " ms" : "–");
        s.append(" │ ctx ")
                .append(contextUsed >= 0 ? contextUsed : "–")
                .append('/')
                .append(chatModel.contextLength());
        if (truncated > 0) s.append(" │ ").append(truncated).append(" oldest messages left out");
        if (turn != null) s.append(" │ streaming (Ctrl-C stops)");
        return s.toString();
    }

    private void drawChat(TextGraphics g, int w, int h) {
        statusLine(g, 1, w, chatStatus());
        int inRows = inputRows(w);
        int rows = Math.max(1, h - 3 - inRows);
        List<Line> lines = new ArrayList<>();
        for (Entry e : transcript) {
            boolean user = e.role.equals("user");
            String label = user ? "you › " : e.role.equals("system") ? "system › " : "model › ";
            String body = e.text + (e.partial ? " [stopped]" : "");
            List<String> wrapped = wrap(body, Math.max(1, w - label.length() - 1));
            TextColor colour = colour(user ? prefs.userColour : prefs.modelColour);
            for (int i = 0; i < wrapped.size(); i++)
                lines.add(new Line(i == 0 ? label : " ".repeat(label.length()), wrapped.get(i), colour, user));
            lines.add(new Line("", "", TextColor.ANSI.DEFAULT, false));
        }
        int maxScroll = Math.max(0, lines.size() - rows);
        scroll = Math.min(scroll, maxScroll);
        int from = Math.max(0, lines.size() - rows - scroll);
        for (int r = 0; r < rows && from + r < lines.size(); r++) {
            Line l = lines.get(from + r);
            g.enableModifiers(SGR.BOLD);
            g.putString(0, 2 + r, l.label);
            g.disableModifiers(SGR.BOLD);
            g.setForegroundColor(l.colour);
            g.putString(l.label.length(), 2 + r, l.text);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }
        if (scroll > 0) g.putString(w - 12, 2, "[↑ " + scroll + " more]");
        String keys = "─ " + KEYS_CHAT + " ";
        g.putString(0, h - 1 - inRows, pad(keys + "─".repeat(Math.max(0, w - keys.length())), w));
        // the input: wrapped, the last rows when it is taller than the box
        int iw = Math.max(1, w - 2);
        List<String> in = wrap(input.toString(), iw);
        int[] at = cursorAt(input.toString(), cursor, iw);
        int first = Math.max(0, Math.max(in.size() - inRows, at[0] - inRows + 1));
        first = Math.min(first, at[0]);
        for (int r = 0; r < inRows && first + r < in.size(); r++) {
            g.putString(0, h - inRows + r, (first + r == 0 ? "> " : "  ") + in.get(first + r));
        }
        if (in.isEmpty() || input.isEmpty()) g.putString(0, h - inRows, "> ");
        screen.setCursorPosition(
                new com.googlecode.lanterna.TerminalPosition(Math.min(w - 1, 2 + at[1]), h - inRows + (at[0] - first)));
    }

    private record Line(String label, String text, TextColor colour, boolean user) {}

    private void drawHistory(TextGraphics g, int w, int h) {
        g.putString(2, 2, "Your conversations, newest first:");
        if (history.isEmpty()) g.putString(4, 4, "(none yet)");
        int rows = Math.max(1, h - 7);
        int from = Math.max(0, historyIndex - rows + 1);
        for (int i = 0; i < rows && from + i < history.size(); i++) {
            ApiClient.Summary s = history.get(from + i);
            boolean sel = from + i == historyIndex;
            String when = TIME.format(Instant.ofEpochSecond(s.updatedAt()));
            String t = s.title().isEmpty() ? "(untitled)" : s.title();
            String line = (sel ? "▶ " : "  ") + when + "  " + fit(t, 30) + "  "
                    + s.preview().replace('\n', ' ');
            if (sel) g.enableModifiers(SGR.REVERSE);
            g.putString(1, 4 + i, fit(line, w - 2));
            g.disableModifiers(SGR.REVERSE);
        }
        String help = "↑/↓ select · Enter open · r rename · d delete · Esc menu";
        if ("rename".equals(historyPrompt)) help = "New title: " + historyText + "▏ (Enter save · Esc cancel)";
        else if ("delete".equals(historyPrompt))
            help = "Delete \"" + history.get(historyIndex).title() + "\" and its messages? y/n";
        g.putString(2, h - 3, fit(help, w - 3));
        statusLine(g, h - 1, w, "");
    }

    private void drawSettings(TextGraphics g, int w, int h) {
        g.putString(
                2,
                2,
                settingsForConversation
                        ? "This chat's settings (in its metadata) and your colours:"
                        : "Settings of new chats and your colours:");
        for (int i = 0; i < SETTINGS.size(); i++) {
            String key = SETTINGS.get(i);
            String v = editing.get(key);
            boolean colour = key.endsWith("colour");
            String shown = colour
                    ? "◀ " + v + " ▶"
                    : key.equals("model")
                            ? "◀ " + (v.isEmpty() ? "(server default: " + model + ")" : modelLabel(v)) + " ▶"
                            : (v.isEmpty() ? "(default)" : v);
            boolean sel = i == settingsIndex;
            if (sel) g.enableModifiers(SGR.REVERSE);
            g.putString(4, 4 + i, String.format(Locale.ROOT, "%-13s", key));
            g.disableModifiers(SGR.REVERSE);
            if (colour) g.setForegroundColor(colour(v));
            g.putString(19, 4 + i, fit(shown, w - 20));
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }
        g.putString(2, 5 + SETTINGS.size(), "↑/↓ field · ←/→ colour or model · type to edit · Enter save · Esc cancel");
        g.putString(
                2, 6 + SETTINGS.size(), "empty = the server's default; max_tokens empty = whatever fits the context");
        statusLine(g, h - 1, w, "");
    }

    private String modelLabel(String id) {
        for (ApiClient.Model m : models) if (m.id().equals(id)) return id + " (context " + m.contextLength() + ")";
        return id + " (not offered by this server)";
    }

    static TextColor colour(String name) {
        return switch (name) {
            case "red" -> TextColor.ANSI.RED;
            case "green" -> TextColor.ANSI.GREEN;
            case "yellow" -> TextColor.ANSI.YELLOW;
            case "blue" -> TextColor.ANSI.BLUE;
            case "magenta" -> TextColor.ANSI.MAGENTA;
            case "cyan" -> TextColor.ANSI.CYAN;
            case "white" -> TextColor.ANSI.WHITE;
            default -> TextColor.ANSI.DEFAULT;
        };
    }

    /** Splits text into lines of at most {@code width} characters, at spaces where it can, keeping newlines. */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        for (String para : text.split("\n", -1)) {
            String rest = para.replace('\t', ' ');
            while (rest.length() > width) {
                int cut = rest.lastIndexOf(' ', width);
                if (cut <= 0) {
                    out.add(rest.substring(0, width));
                    rest = rest.substring(width);
                } else {
                    out.add(rest.substring(0, cut));
                    rest = rest.substring(cut + 1);
                }
            }
            out.add(rest);
        }
        return out;
    }

    /** Row and column of {@code pos} in the input wrapped by {@link #wrap} (hard-wrapped, close enough for spaces). */
    private static int[] cursorAt(String text, int pos, int width) {
        String before = text.substring(0, pos);
        List<String> lines = wrap(before, width);
        return new int[] {lines.size() - 1, lines.get(lines.size() - 1).length()};
    }

    private static String pad(String s, int w) {
        if (s.length() >= w) return s.substring(0, Math.max(0, w));
        return s + " ".repeat(w - s.length());
    }

    private static String fit(String s, int w) {
        if (w <= 1) return "";
        return s.length() <= w ? s : s.substring(0, w - 1) + "…";
    }

    // ---- for tests

    View view() {
        return view;
    }

    String status() {
        return status;
    }
}
