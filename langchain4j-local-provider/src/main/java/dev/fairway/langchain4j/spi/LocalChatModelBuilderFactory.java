package dev.fairway.langchain4j.spi;

import dev.fairway.langchain4j.LocalChatModel;
import java.util.function.Supplier;

/**
 * SPI (java.util.ServiceLoader): a framework registering an implementation in
 * {@code META-INF/services/dev.fairway.langchain4j.spi.LocalChatModelBuilderFactory} controls what
 * {@link LocalChatModel#builder()} returns (e.g. a builder pre-filled from its configuration).
 */
public interface LocalChatModelBuilderFactory extends Supplier<LocalChatModel.Builder> {}
