package dev.fairway.langchain4j;

import java.nio.file.Files;
import java.nio.file.Path;

/** The test model (stories260K, found by testkit's TestModels) and builders with one set of engine settings for all tests. */
final class TestModels {
    private TestModels() {}

    static Path stories260K() {
        Path folder = dev.fairway.testkit.TestModels.stories();
        if (!Files.isDirectory(folder)) throw new IllegalStateException("test model missing: " + folder);
        return folder;
    }

    /** Same engine settings everywhere, so every test class shares one engine without settings warnings. */
    static <B extends LocalBaseChatModel.Builder<?, B>> B engineSettings(B builder) {
        return builder.modelPath(stories260K())
                .kvCacheTokens(16384)
                .maxBatchTokens(256)
                .threads(2);
    }

    static LocalChatModel.Builder chat() {
        return engineSettings(LocalChatModel.builder());
    }

    static LocalStreamingChatModel.Builder streaming() {
        return engineSettings(LocalStreamingChatModel.builder());
    }

    static LocalChatModel greedyChat() {
        return chat().temperature(0.0).build();
    }

    static LocalStreamingChatModel greedyStreaming() {
        return streaming().temperature(0.0).build();
    }
}
