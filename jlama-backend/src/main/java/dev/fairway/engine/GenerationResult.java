package dev.fairway.engine;

import java.util.List;

public record GenerationResult(String requestId, List<ChoiceResult> choices, Usage usage, Timings timings) {
    public ChoiceResult first() {
        return choices.get(0);
    }

    public String text() {
        return first().text();
    }
}
