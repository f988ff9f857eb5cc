package dev.fairway.cli.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * `fairway chat` when stdin or stdout is not a terminal: one message per input line, each reply streamed to stdout
 * as plain text and ended by a newline; all in one new conversation. Errors go to stderr; the exit code is 1 when a
 * turn failed.
 */
public final class PipeChat {
    private PipeChat() {}

    public static int run(ApiClient api, ChatPrefs prefs, BufferedReader in, PrintStream out, PrintStream err)
            throws IOException {
        String conversation = null;
        int failures = 0;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            try {
                if (conversation == null) {
                    Map<String, String> meta = new java.util.LinkedHashMap<>();
                    prefs.defaults.forEach((k, v) -> {
                        if (!v.isBlank()) meta.put(k, v);
                    });
                    conversation = api.create(line.length() > 40 ? line.substring(0, 40) + "…" : line, meta);
                }
            } catch (IOException e) {
                err.println("fairway chat: " + e.getMessage());
                return 1;
            }
            AtomicReference<Exception> failed = new AtomicReference<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                failed.set(null);
                api.sendBlocking(conversation, line, Map.of(), new ApiClient.TurnListener() {
                    @Override
                    public void onOpen(int truncated) {
                        if (truncated > 0)
                            err.println("fairway chat: " + truncated + " oldest messages left out of the prompt");
                    }

                    @Override
                    public void onDelta(String text) {
                        out.print(text);
                        out.flush();
                    }

                    @Override
                    public void onDone(String finishReason, int promptTokens, int completionTokens) {
                        out.println();
                        out.flush();
                    }

                    @Override
                    public void onError(Exception e) {
                        failed.set(e);
                    }
                });
                if (failed.get() instanceof ApiClient.ApiException a && a.status == 429) {
                    int wait = a.retryAfterSeconds == null ? 1 : Math.max(1, a.retryAfterSeconds);
                    err.println("fairway chat: server busy, retrying in " + wait + " s");
                    try {
                        Thread.sleep(wait * 1000L);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 1;
                    }
                    continue;
                }
                break;
            }
            if (failed.get() != null) {
                failures++;
                out.println();
                err.println("fairway chat: " + failed.get().getMessage());
            }
        }
        return failures == 0 ? 0 : 1;
    }
}
