package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** 8 threads calling chat() at once on one (batched) engine get exactly the greedy outputs of each prompt alone. */
class ConcurrentGreedyTest {

    static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "Lily and Tom went to the park",
            "The little dog was sad",
            "One day, a big bird",
            "Sam had a red ball",
            "The sun was hot and",
            "Mom said to Ben",
            "There was a tiny fish");

    @Test
    void eight_threads_get_the_same_greedy_outputs_as_alone() throws Exception {
        try (LocalChatModel model =
                TestModels.chat().temperature(0.0).maxOutputTokens(48).build()) {
            List<String> alone = new ArrayList<>();
            for (String p : PROMPTS) alone.add(model.chat(p));

            CyclicBarrier start = new CyclicBarrier(PROMPTS.size());
            ExecutorService pool = Executors.newFixedThreadPool(PROMPTS.size());
            try {
                List<Future<ChatResponse>> futures = new ArrayList<>();
                for (String p : PROMPTS) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        return model.chat(dev.langchain4j.data.message.UserMessage.from(p));
                    }));
                }
                for (int i = 0; i < PROMPTS.size(); i++) {
                    assertThat(futures.get(i).get().aiMessage().text())
                            .as("prompt %d: %s", i, PROMPTS.get(i))
                            .isEqualTo(alone.get(i));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
