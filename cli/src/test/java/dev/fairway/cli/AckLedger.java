package dev.fairway.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What clients were told, and the check of it against the SQLite file. An operation is "acknowledged" once the
 * client had its answer (a 200, a streamed first byte for the user message, [DONE] for the reply); unacknowledged
 * ones may or may not have happened. The check reads the file directly with the server stopped.
 */
final class AckLedger {
    /** One conversation turn as the client saw it. */
    static final class Turn {
        final String content;
        final long sentNanos;
        boolean userAcked;
        String replyAcked; // the reply text once the client saw the end of it
        long doneNanos;
        boolean inFlightAtKill; // a kill -9 may have left its user message without a reply

        Turn(String content, long sentNanos) {
            this.content = content;
            this.sentNanos = sentNanos;
        }
    }

    /** A title sent at {@code sentNanos}, answered at {@code ackNanos} (Long.MAX_VALUE while unanswered). */
    private static final class Title {
        final String title;
        final long sentNanos;
        long ackNanos = Long.MAX_VALUE;

        Title(String title, long sentNanos) {
            this.title = title;
            this.sentNanos = sentNanos;
        }
    }

    private static final class Conv {
        boolean created;
        boolean deleteAttempted;
        boolean deleteAcked;
        final Map<String, Title> titles = new HashMap<>();
        final List<Turn> turns = new ArrayList<>();

        /**
         * Titles the file may hold: any one not superseded for sure, i.e. unless another rename was sent after it
         * was acknowledged and was acknowledged itself (concurrent renames may commit in either order).
         */
        Set<String> possibleTitles() {
            Set<String> out = new HashSet<>();
            for (Title t : titles.values()) {
                boolean superseded = false;
                for (Title u : titles.values()) {
                    if (u != t && u.ackNanos != Long.MAX_VALUE && u.sentNanos > t.ackNanos) superseded = true;
                }
                if (!superseded) out.add(t.title);
            }
            return out;
        }
    }

    record Report(int acknowledged, int missing, List<String> problems) {}

    private final Map<String, Conv> conversations = new LinkedHashMap<>();
    private int acknowledged;

    synchronized void created(String id, String title, long sentNanos, List<String> items) {
        Conv c = conversations.computeIfAbsent(id, k -> new Conv());
        c.created = true;
        Title first = new Title(title, sentNanos);
        first.ackNanos = System.nanoTime();
        c.titles.put(title, first);
        for (String item : items) {
            Turn t = new Turn(item, 0); // 0: stored with the conversation, not a turn
            t.userAcked = true;
            c.turns.add(t);
        }
        acknowledged++;
    }

    synchronized List<String> live() {
        List<String> ids = new ArrayList<>();
        conversations.forEach((id, c) -> {
            if (!c.deleteAttempted) ids.add(id);
        });
        return ids;
    }

    synchronized boolean mayBeDeleted(String id) {
        Conv c = conversations.get(id);
        return c == null || c.deleteAttempted;
    }

    synchronized void renaming(String id, String title) {
        conversations.get(id).titles.put(title, new Title(title, System.nanoTime()));
    }

    synchronized void renamed(String id, String title) {
        conversations.get(id).titles.get(title).ackNanos = System.nanoTime();
        acknowledged++;
    }

    synchronized void deleting(String id) {
        conversations.get(id).deleteAttempted = true;
    }

    synchronized void deleted(String id) {
        conversations.get(id).deleteAcked = true;
        acknowledged++;
    }

    synchronized Turn turn(String id, String content) {
        Turn t = new Turn(content, System.nanoTime());
        conversations.get(id).turns.add(t);
        return t;
    }

    synchronized void userAcked(Turn t) {
        if (!t.userAcked) acknowledged++;
        t.userAcked = true;
    }

    synchronized void replyAcked(Turn t, String reply) {
        userAcked(t);
        t.replyAcked = reply;
        t.doneNanos = System.nanoTime();
        acknowledged++;
    }

    /** The server is about to be killed: turns not answered yet may stay without a reply. */
    synchronized void killing() {
        for (Conv c : conversations.values()) for (Turn t : c.turns) if (t.replyAcked == null) t.inFlightAtKill = true;
    }

    /**
     * Compares every acknowledged operation with the file. {@code graceful}: the server was stopped with SIGTERM,
     * so every stored user message must also have its reply stored right after it.
     */
    synchronized Report check(Path db, boolean graceful) throws SQLException {
        List<String> problems = new ArrayList<>();
        int missing = 0;
        try (Connection sql = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (var e : conversations.entrySet()) {
                String id = e.getKey();
                Conv c = e.getValue();
                String title = null;
                boolean exists;
                try (PreparedStatement s = sql.prepareStatement("SELECT title FROM conversations WHERE id = ?")) {
                    s.setString(1, id);
                    try (ResultSet rs = s.executeQuery()) {
                        exists = rs.next();
                        if (exists) title = rs.getString(1);
                    }
                }
                if (c.deleteAcked) {
                    if (exists) problems.add(id + ": deleted (acknowledged) but still on disk");
                    continue;
                }
                if (!exists) {
                    if (c.created && !c.deleteAttempted) {
                        missing++;
                        problems.add(id + ": created (acknowledged) but missing");
                    }
                    continue;
                }
                Set<String> possible = c.possibleTitles();
                if (!possible.contains(title)) {
                    missing++;
                    problems.add(id + ": title '" + title + "' on disk, expected one of " + possible);
                }
                missing += checkMessages(sql, id, c, graceful, problems);
            }
        }
        return new Report(acknowledged, missing, problems);
    }

    private static int checkMessages(Connection sql, String id, Conv c, boolean graceful, List<String> problems)
            throws SQLException {
        List<String[]> stored = new ArrayList<>(); // role, content, status
        try (PreparedStatement s = sql.prepareStatement(
                "SELECT role, content, status FROM messages WHERE conversation_id = ? ORDER BY seq")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) stored.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        Map<String, Integer> userAt = new HashMap<>();
        Map<String, Turn> byContent = new HashMap<>();
        for (Turn t : c.turns) byContent.put(t.content, t);
        for (int i = 0; i < stored.size(); i++) {
            String[] m = stored.get(i);
            if (m[0].equals("user")) {
                if (!byContent.containsKey(m[1])) problems.add(id + ": stored user message nobody sent: " + m[1]);
                if (userAt.put(m[1], i) != null) problems.add(id + ": user message stored twice: " + m[1]);
                boolean answered = i + 1 < stored.size() && stored.get(i + 1)[0].equals("assistant");
                Turn t = byContent.get(m[1]);
                boolean fromItems = t != null && t.sentNanos == 0;
                if (graceful && !answered && t != null && !fromItems && !t.inFlightAtKill) {
                    problems.add(id + ": user message without its reply after a graceful stop: " + m[1]);
                }
            } else if (i > 0 && stored.get(i - 1)[0].equals("assistant")) {
                problems.add(id + ": two assistant messages in a row at " + i);
            } else if (i == 0) {
                problems.add(id + ": history starts with a reply");
            }
        }
        int missing = 0;
        for (Turn t : c.turns) {
            if (!t.userAcked) continue;
            Integer at = userAt.get(t.content);
            if (at == null) {
                missing++;
                problems.add(id + ": acknowledged user message missing: " + t.content);
                continue;
            }
            if (t.replyAcked != null) {
                String[] next = at + 1 < stored.size() ? stored.get(at + 1) : null;
                if (next == null
                        || !next[0].equals("assistant")
                        || !next[1].equals(t.replyAcked)
                        || !next[2].equals("completed")) {
                    missing++;
                    problems.add(id + ": acknowledged reply to '" + t.content + "' missing or different");
                }
                for (Turn later : c.turns) {
                    Integer laterAt = userAt.get(later.content);
                    if (later.sentNanos > t.doneNanos && laterAt != null && laterAt < at) {
                        problems.add(id + ": '" + later.content + "' was sent after '" + t.content
                                + "' was answered but is stored before it");
                    }
                }
            }
        }
        return missing;
    }
}
