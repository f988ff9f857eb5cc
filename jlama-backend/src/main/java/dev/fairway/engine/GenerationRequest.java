package dev.fairway.engine;

/**
 * A generation request. {@code userId} and {@code fairnessGroup} are the scheduler's fairness identities: users share
 * the engine by weight, and one user's groups (a conversation, an application's end user; "" = one group) share that
 * user's part. {@code userWeight} is the user's share weight (priority tier, 1 = normal). {@code n} choices share the
 * prompt's KV blocks.
 */
public record GenerationRequest(
        String userId, String fairnessGroup, Prompt prompt, SamplingParams params, int n, double userWeight) {

    public GenerationRequest {
        userId = userId == null || userId.isBlank() ? "local" : userId;
        fairnessGroup = fairnessGroup == null ? "" : fairnessGroup;
        if (n < 1) throw new InvalidRequestException("n must be >= 1", "n");
        if (!(userWeight > 0)) throw new InvalidRequestException("user weight must be > 0", "user");
    }

    public static GenerationRequest of(Prompt prompt, SamplingParams params) {
        return new GenerationRequest("local", "", prompt, params, 1, 1.0);
    }

    public GenerationRequest withUser(String user, String fairnessGroup) {
        return new GenerationRequest(user, fairnessGroup, prompt, params, n, userWeight);
    }

    public GenerationRequest withN(int n) {
        return new GenerationRequest(userId, fairnessGroup, prompt, params, n, userWeight);
    }
}
