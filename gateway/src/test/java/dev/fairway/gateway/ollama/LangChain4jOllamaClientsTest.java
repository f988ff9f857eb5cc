package dev.fairway.gateway.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaModel;
import dev.langchain4j.model.ollama.OllamaModelCard;
import dev.langchain4j.model.ollama.OllamaModels;
import dev.langchain4j.model.ollama.RunningOllamaModel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j's Ollama clients beyond chat: the model listings and embeddings, as an application would call them. */
class LangChain4jOllamaClientsTest {
    private final String baseUrl = SharedGateway.get().baseUrl();

    @Test
    void chatModelContinuesTheStory() {
        OllamaChatModel model = OllamaChatModel.builder()
                .baseUrl(baseUrl)
                .modelName("stories260K:latest")
                .temperature(0.0)
                .numPredict(12)
                .timeout(Duration.ofSeconds(30))
                .build();
        assertThat(model.chat("Once upon a time")).startsWith(TestGateway.STORY);
    }

    @Test
    void listingsParse() {
        OllamaModels models = OllamaModels.builder()
                .baseUrl(baseUrl)
                .timeout(Duration.ofSeconds(30))
                .build();
        List<OllamaModel> available = models.availableModels().content();
        assertThat(available).extracting(OllamaModel::getName).contains("stories260K:latest");
        assertThat(available.get(0).getModifiedAt()).isNotNull();
        OllamaModelCard card = models.modelCard("stories260K").content();
        assertThat(card.getModelInfo()).containsEntry("general.architecture", "llama");
        assertThat(card.getDetails().getFamily()).isEqualTo("llama");
        List<RunningOllamaModel> running = models.runningModels().content();
        assertThat(running).extracting(RunningOllamaModel::getName).contains("stories260K:latest");
        assertThat(running.get(0).getContextLength()).isEqualTo(512);
    }

    @Test
    void embeddingModelGivesStableUnitVectors() {
        OllamaEmbeddingModel model = OllamaEmbeddingModel.builder()
                .baseUrl(baseUrl)
                .modelName("stories260K")
                .timeout(Duration.ofSeconds(30))
                .build();
        Embedding a = model.embed("Once upon a time").content();
        Embedding b = model.embed("Once upon a time").content();
        Embedding c = model.embed("The dog barked at the moon").content();
        assertThat(a.vector()).containsExactly(b.vector());
        assertThat(a.dimension()).isEqualTo(64);
        double dot = 0;
        for (int i = 0; i < a.dimension(); i++) dot += a.vector()[i] * c.vector()[i];
        assertThat(dot).isLessThan(0.999);
    }
}
