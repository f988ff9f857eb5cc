package dev.fairway.cli.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The terminal client's settings, kept in {@code $XDG_CONFIG_HOME/fairway/chat.json} (by default
 * {@code ~/.config/fairway/chat.json}): the last user name, the colours of user and model text, and the settings a new
 * chat starts with (model, temperature, max tokens, system prompt). A conversation's own settings live in its metadata
 * on the server, under the keys the web page uses, so either client continues it the same way.
 */
public final class ChatPrefs {
    /** The colours offered, by name (ANSI colours every terminal has). */
    public static final List<String> COLOURS =
            List.of("default", "red", "green", "yellow", "blue", "magenta", "cyan", "white");
    /** Conversation settings, in the metadata keys of the server (ConversationSettings) and the web page. */
    public static final List<String> CONVERSATION_KEYS = List.of("model", "temperature", "max_tokens", "system");

    private final Path file;
    public String user = "";
    public String userColour = "cyan";
    public String modelColour = "default";
    /** A new chat's settings: model, temperature, max_tokens, system (blank = the server's default). */
    public final Map<String, String> defaults = new LinkedHashMap<>();

    private ChatPrefs(Path file) {
        this.file = file;
        for (String k : CONVERSATION_KEYS) defaults.put(k, "");
    }

    public static Path defaultFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path dir = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return dir.resolve("fairway").resolve("chat.json");
    }

    /** Reads {@code file}; a missing or unreadable file gives the defaults. */
    public static ChatPrefs load(Path file) {
        ChatPrefs p = new ChatPrefs(file);
        try {
            if (file != null && Files.isRegularFile(file)) {
                var n = ApiClient.JSON.readTree(file.toFile());
                p.user = n.path("user").asText("");
                p.userColour = colour(n.path("user_colour").asText(p.userColour));
                p.modelColour = colour(n.path("model_colour").asText(p.modelColour));
                for (String k : CONVERSATION_KEYS)
                    p.defaults.put(k, n.path("defaults").path(k).asText(""));
            }
        } catch (IOException e) {
            // a broken file: start from the defaults, it is rewritten on the next save
        }
        return p;
    }

    public void save() throws IOException {
        if (file == null) return;
        ObjectNode n = ApiClient.JSON
                .createObjectNode()
                .put("user", user)
                .put("user_colour", userColour)
                .put("model_colour", modelColour);
        ObjectNode d = n.putObject("defaults");
        defaults.forEach(d::put);
        Files.createDirectories(file.toAbsolutePath().getParent()); // a bare file name has no parent
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String colour(String name) {
        return COLOURS.contains(name) ? name : "default";
    }
}
