package dev.fairway.gateway.conversations;

import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.tools.Tools;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code truncation: "auto"} of a conversation turn: when the system prompt plus the stored history plus the new user
 * message leave no room for the reply, the oldest turns are left out of the prompt (never the system prompt, never
 * the last user message), whole user-led exchanges at a time so that the prompt still starts with a user message.
 * The reply may then use what the context has left: the default max_tokens is all of it, a given max_tokens is
 * lowered to it. The prompt is returned as the token ids counted here, so it is rendered and encoded once.
 */
public final class Truncation {
    /** Room kept for the reply when max_tokens is not given: a quarter of the context, at most this many tokens. */
    static final int MIN_REPLY_TOKENS = 256;
    /** Header of the answer: how many stored messages were left out of the prompt (0 when all fit). */
    static final String HEADER = "X-Fairway-Truncated-Messages";

    /** @param prompt the token ids to generate from; {@code maxTokens} what the reply may use. */
    public record Fit(int[] prompt, int maxTokens, int dropped) {}

    private Truncation() {}

    /**
     * @param system the system message, if any (kept)
     * @param turns the history, ending with the user message to answer (kept)
     * @param maxTokens the turn's max_tokens, or null when not given
     */
    public static Fit fit(Engine engine, List<ChatMessage> system, List<ChatMessage> turns, Integer maxTokens) {
        return fit(engine, system, turns, Tools.NONE, maxTokens);
    }

    /** As above, with the tools the turn offers rendered into every candidate prompt. */
    public static Fit fit(
            Engine engine, List<ChatMessage> system, List<ChatMessage> turns, Tools tools, Integer maxTokens) {
        int context = engine.modelInfo().contextLength();
        int reserve = maxTokens != null
                ? Math.min(maxTokens, context - 1)
                : Math.min(MIN_REPLY_TOKENS, Math.max(1, context / 4));
        // where the prompt may start: 0, then each later user message (the last one always stays). A turn that is a
        // tool result keeps the exchange it answers, from the user message that led to the call.
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < turns.size(); i++) {
            if (i == 0 || (turns.get(i).role() == ChatMessage.Role.USER)) starts.add(i);
        }
        if (starts.get(starts.size() - 1) != turns.size() - 1
                && turns.get(turns.size() - 1).role() != ChatMessage.Role.TOOL) starts.add(turns.size() - 1);
        // the fewest dropped that fits: keeping fewer turns never makes the prompt longer, so a binary search works
        int lo = 0;
        int hi = starts.size() - 1;
        int[] best = null;
        int bestAt = hi;
        int[] whole = tokens(engine, system, turns, tools, 0);
        if (whole.length + reserve <= context)
            return new Fit(whole, maxTokens != null ? maxTokens : context - whole.length, 0);
        lo = 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int[] t = tokens(engine, system, turns, tools, starts.get(mid));
            if (t.length + reserve <= context) {
                best = t;
                bestAt = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        if (best == null)
            best = tokens(
                    engine, system, turns, tools, starts.get(bestAt)); // only the last message: as short as it gets
        int left = context - best.length;
        int max = maxTokens != null ? Math.min(maxTokens, Math.max(1, left)) : Math.max(1, left);
        return new Fit(best, max, starts.get(bestAt));
    }

    private static int[] tokens(
            Engine engine, List<ChatMessage> system, List<ChatMessage> turns, Tools tools, int from) {
        List<ChatMessage> chat = new ArrayList<>(system);
        chat.addAll(turns.subList(from, turns.size()));
        return engine.promptTokens(Prompt.chat(chat, tools));
    }
}
