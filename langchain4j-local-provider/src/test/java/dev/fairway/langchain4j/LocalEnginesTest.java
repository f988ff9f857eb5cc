package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.Engine;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** One engine per (model, weight type), shared by every instance, closed with its last user. */
class LocalEnginesTest {

    @Test
    void instances_naming_the_same_model_share_one_engine_until_the_last_closes() {
        AtomicInteger opens = new AtomicInteger();
        Function<dev.fairway.engine.EngineConfig, Engine> previous = LocalEngines.opener;
        LocalEngines.opener = c -> {
            opens.incrementAndGet();
            return Engine.open(c);
        };
        // weightType F32 (= the stored type of stories260K) gives a key of its own, apart from other test classes.
        String folder = TestModels.stories260K().toString();
        try {
            LocalChatModel a = TestModels.chat()
                    .weightType("F32")
                    .temperature(0.0)
                    .maxOutputTokens(5)
                    .build();
            LocalStreamingChatModel b = TestModels.streaming().weightType("f32").build();
            // a differently spelled path to the same folder
            LocalChatModel c = TestModels.chat()
                    .weightType("F32")
                    .model(TestModels.stories260K()
                            .resolve("..")
                            .resolve("stories260K")
                            .toString())
                    .build();
            assertThat(opens).hasValue(1);
            assertThat(b.engine()).isSameAs(a.engine()).isSameAs(c.engine());
            assertThat(LocalEngines.references(folder, "F32")).isEqualTo(3);

            a.close();
            a.close(); // idempotent
            assertThat(LocalEngines.references(folder, "F32")).isEqualTo(2);
            assertThat(c.chat("Once upon a time")).isNotNull(); // still serving
            b.close();
            c.close();
            assertThat(LocalEngines.references(folder, "F32")).isZero();

            try (LocalChatModel d = TestModels.chat().weightType("F32").build()) {
                assertThat(opens).hasValue(2); // the old engine was dropped, a new one opened
            }
            assertThat(LocalEngines.references(folder, "F32")).isZero();
        } finally {
            LocalEngines.opener = previous;
        }
    }

    @Test
    void a_rejected_builder_does_not_leak_an_engine_reference() {
        String folder = TestModels.stories260K().toString();
        int before = LocalEngines.references(folder, null);
        assertThatThrownBy(() -> TestModels.chat()
                        .defaultRequestParameters(ChatRequestParameters.builder()
                                .modelName("not-this-one")
                                .build())
                        .build())
                .isExactlyInstanceOf(UnsupportedFeatureException.class);
        assertThat(LocalEngines.references(folder, null)).isEqualTo(before);
    }
}
