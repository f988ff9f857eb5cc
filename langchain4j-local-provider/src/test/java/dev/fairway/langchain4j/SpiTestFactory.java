package dev.fairway.langchain4j;

import dev.fairway.langchain4j.spi.LocalChatModelBuilderFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Registered in src/test/resources/META-INF/services: proves LocalChatModel.builder() goes through the SPI. */
public class SpiTestFactory implements LocalChatModelBuilderFactory {
    static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public LocalChatModel.Builder get() {
        CALLS.incrementAndGet();
        return new LocalChatModel.Builder();
    }
}
