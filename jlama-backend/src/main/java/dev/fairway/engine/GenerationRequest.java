package dev.fairway.engine;

/**
 * A generation request. {@code userId} and {@code conversationId} are the scheduler's fairness identities;
 * {@code userWeight} is the user's share weight (priority tier, 1 = normal). {@code n} choices share the prompt's KV blocks.
 */
public record GenerationRequest(String userId, String conversationId, Prompt prompt, SamplingParams params, int n,
        double userWeight) {

    public GenerationRequest {
        userId = userId == null || userId.isBlank() ? "local" : userId;
        conversationId = conversationId == null ? "" : conversationId;
        if (n < 1) throw new InvalidRequestException("n must be >= 1", "n");
        if (!(userWeight > 0)) throw new InvalidRequestException("user weight must be > 0", "user");
    }

    public static GenerationRequest of(Prompt prompt, SamplingParams params) {
        return new GenerationRequest("local", "", prompt, params, 1, 1.0);
    }

    public GenerationRequest withUser(String user, String conversation) {
        return new GenerationRequest(user, conversation, prompt, params, n, userWeight);
    }

    public GenerationRequest withN(int n) {
        return new GenerationRequest(userId, conversationId, prompt, params, n, userWeight);
    }
}
