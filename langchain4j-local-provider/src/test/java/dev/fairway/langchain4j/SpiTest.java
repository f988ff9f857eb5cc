package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpiTest {
    @Test
    void builder_comes_from_the_registered_factory() {
        int before = SpiTestFactory.CALLS.get();
        assertThat(LocalChatModel.builder()).isNotNull();
        assertThat(SpiTestFactory.CALLS.get()).isEqualTo(before + 1);
        assertThat(LocalStreamingChatModel.builder()).isInstanceOf(LocalStreamingChatModel.Builder.class);
    }
}
