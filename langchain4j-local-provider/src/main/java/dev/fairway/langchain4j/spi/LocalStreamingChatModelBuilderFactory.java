package dev.fairway.langchain4j.spi;

import dev.fairway.langchain4j.LocalStreamingChatModel;
import java.util.function.Supplier;

/**
 * SPI (java.util.ServiceLoader): a framework registering an implementation in
 * {@code META-INF/services/dev.fairway.langchain4j.spi.LocalStreamingChatModelBuilderFactory} controls what
 * {@link LocalStreamingChatModel#builder()} returns.
 */
public interface LocalStreamingChatModelBuilderFactory extends Supplier<LocalStreamingChatModel.Builder> {}
