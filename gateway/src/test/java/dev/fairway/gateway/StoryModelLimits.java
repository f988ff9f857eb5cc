package dev.fairway.gateway;

import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables, by name and with a reason, inherited LangChain4j suite tests that cannot pass on a 260K-parameter
 * story model and whose assertions cannot be reached through an overridable hook (package-private in the suite).
 */
public final class StoryModelLimits implements ExecutionCondition {
    public static final Map<String, String> REASONS = Map.of(
            "should_propagate_user_exceptions_thrown_from_onPartialResponse",
            "asserts the reply contains 'Berlin'; stories260K writes children's stories and cannot answer questions",
            "should_propagate_user_exceptions_thrown_from_onCompleteResponse",
            "asserts the reply contains 'Berlin'; stories260K writes children's stories and cannot answer questions",
            "should_ignore_user_exceptions_thrown_from_onError",
            "asserts the reply contains 'Berlin'; stories260K writes children's stories and cannot answer questions");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return context.getTestMethod()
                .map(m -> REASONS.get(m.getName()))
                .map(ConditionEvaluationResult::disabled)
                .orElse(ConditionEvaluationResult.enabled("runs against the gateway"));
    }
}
