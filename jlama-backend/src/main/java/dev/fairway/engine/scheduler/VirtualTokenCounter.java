package dev.fairway.engine.scheduler;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fair share in tokens, after Sheng et al., "Fairness in Serving Large Language Models" (OSDI '24): each user has a
 * virtual counter of service received divided by its weight; the lowest counter goes first. A user who was idle is
 * lifted to the lowest counter among active users, so idling earns no burst credit. Within a user, fairness groups
 * (conversations, an application's end users) get the same treatment (counter, lift), so one chat with many parallel
 * requests cannot starve the user's other chats, and a stream of new conversations cannot starve an old one.
 */
public final class VirtualTokenCounter implements FairnessPolicy {
    static final double PREEMPTION_SLACK_TOKENS = 64;
    static final int PRUNE_EVERY = 1024;
    private long queued;
    private final double prefillWeight;
    private final Map<String, Double> userCounter = new HashMap<>();
    private final Map<String, Double> groupCounter = new HashMap<>();
    private final Map<String, Double> served = new ConcurrentHashMap<>();

    public VirtualTokenCounter(double prefillWeight) {
        this.prefillWeight = prefillWeight;
    }

    @Override
    public double rank(Sequence s) {
        return userCounter.getOrDefault(s.user, 0.0);
    }

    /** Group counters order one user's requests. */
    @Override
    public double subRank(Sequence s) {
        return groupCounter.getOrDefault(key(s), 0.0);
    }

    /** Users within this many (weighted) tokens of the most served one are preemption candidates alike. */
    @Override
    public double preemptionSlack() {
        return PREEMPTION_SLACK_TOKENS;
    }

    @Override
    public void onQueued(Sequence s, Iterable<Sequence> active) {
        double floor = Double.MAX_VALUE;
        double groupFloor = Double.MAX_VALUE;
        boolean userActive = false;
        boolean groupActive = false;
        for (Sequence a : active) {
            if (a == s) continue;
            if (a.user.equals(s.user)) {
                userActive = true;
                if (a.fairnessGroup.equals(s.fairnessGroup)) groupActive = true;
                else groupFloor = Math.min(groupFloor, groupCounter.getOrDefault(key(a), 0.0));
            } else {
                floor = Math.min(floor, userCounter.getOrDefault(a.user, 0.0));
            }
        }
        // An idle user (or group) is lifted to the lowest counter of the active ones: no credit for idling.
        if (!userActive && floor != Double.MAX_VALUE) userCounter.merge(s.user, floor, Math::max);
        if (!groupActive && groupFloor != Double.MAX_VALUE) groupCounter.merge(key(s), groupFloor, Math::max);
        if (++queued % PRUNE_EVERY == 0) prune(s, active, floor);
    }

    /**
     * Forgets counters of groups with no sequence in the scheduler (clients that use a fresh conversation id per
     * request would otherwise grow the map forever; a returning group is lifted to its user's floor anyway), and
     * of idle users at or below the active floor (exactly what the lift would give them back).
     */
    private void prune(Sequence s, Iterable<Sequence> active, double floor) {
        java.util.Set<String> users = new java.util.HashSet<>(), groups = new java.util.HashSet<>();
        users.add(s.user);
        groups.add(key(s));
        for (Sequence a : active) {
            users.add(a.user);
            groups.add(key(a));
        }
        groupCounter.keySet().retainAll(groups);
        double min = Math.min(floor, userCounter.getOrDefault(s.user, 0.0));
        userCounter.entrySet().removeIf(e -> !users.contains(e.getKey()) && e.getValue() <= min);
    }

    int trackedGroups() {
        return groupCounter.size();
    }

    int trackedUsers() {
        return userCounter.size();
    }

    @Override
    public void charge(Sequence s, int prefillTokens, int decodeTokens) {
        double cost = prefillTokens * prefillWeight + decodeTokens;
        userCounter.merge(s.user, cost / s.weight, Double::sum);
        groupCounter.merge(key(s), cost, Double::sum);
        served.merge(s.user, cost, Double::sum);
    }

    @Override
    public Map<String, Double> service() {
        return Map.copyOf(served);
    }

    private static String key(Sequence s) {
        return s.user + '\u0000' + s.fairnessGroup;
    }
}
