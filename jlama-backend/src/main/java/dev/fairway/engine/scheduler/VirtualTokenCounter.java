package dev.fairway.engine.scheduler;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fair share in tokens, after Sheng et al., "Fairness in Serving Large Language Models" (OSDI '24): each user has a
 * virtual counter of service received divided by its weight; the lowest counter goes first. A user who was idle is
 * lifted to the lowest counter among active users, so idling earns no burst credit. Within a user, conversations get
 * the same treatment, so one chat with many parallel requests cannot starve the user's other chats.
 */
public final class VirtualTokenCounter implements FairnessPolicy {
    private final double prefillWeight;
    private final Map<String, Double> userCounter = new HashMap<>();
    private final Map<String, Double> conversationCounter = new HashMap<>();
    private final Map<String, Double> served = new ConcurrentHashMap<>();

    public VirtualTokenCounter(double prefillWeight) {
        this.prefillWeight = prefillWeight;
    }

    @Override
    public double rank(Sequence s) {
        // Conversation counters break ties between one user's requests; scaled far below one token of user service.
        return userCounter.getOrDefault(s.user, 0.0) + conversationCounter.getOrDefault(key(s), 0.0) * 1e-6;
    }

    @Override
    public void onQueued(Sequence s, Iterable<Sequence> active) {
        double floor = Double.MAX_VALUE;
        boolean userActive = false;
        for (Sequence a : active) {
            if (a == s) continue;
            if (a.user.equals(s.user)) userActive = true;
            floor = Math.min(floor, userCounter.getOrDefault(a.user, 0.0));
        }
        if (!userActive && floor != Double.MAX_VALUE) {
            userCounter.merge(s.user, floor, Math::max);
        }
    }

    @Override
    public void charge(Sequence s, int prefillTokens, int decodeTokens) {
        double cost = prefillTokens * prefillWeight + decodeTokens;
        userCounter.merge(s.user, cost / s.weight, Double::sum);
        conversationCounter.merge(key(s), cost, Double::sum);
        served.merge(s.user, cost, Double::sum);
    }

    @Override
    public Map<String, Double> service() {
        return Map.copyOf(served);
    }

    private static String key(Sequence s) {
        return s.user + '\u0000' + s.conversation;
    }
}
