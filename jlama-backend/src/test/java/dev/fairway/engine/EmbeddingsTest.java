package dev.fairway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fairway.engine.model.Model;
import dev.fairway.testkit.ReferenceLlama;
import dev.fairway.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine embeddings vs the independent reference forward pass: pooled final hidden states, L2-normalized. */
class EmbeddingsTest {
    static Engine engine;
    static ReferenceLlama reference;
    /** Shared, so a test can hold it while it submits (see {@link GateHold}). */
    static final ComputeGate gate = ComputeGate.shared();

    @BeforeAll
    static void start() {
        Model model = Model.load(TestModels.stories(), null);
        // a 16-row budget: inputs longer than a pass run over several, short ones share one
        engine = Engine.create(
                model,
                EngineConfig.builder().kvCacheTokens(2048).maxBatchTokens(16).build(),
                gate);
        reference = ReferenceLlama.load(TestModels.stories());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static final String[] TEXTS = {
        "Once upon a time", "The cat sat on the mat and looked at the big red ball in the garden all day long", "Mom"
    };

    @Test
    void meanPooledVectorsMatchTheReferenceForwardPass() throws Exception {
        List<int[]> inputs =
                Stream.of(TEXTS).map(t -> engine.promptTokens(Prompt.text(t))).toList();
        float[][] got = engine.embed(inputs).get(30, TimeUnit.SECONDS);
        assertThat(got.length).isEqualTo(TEXTS.length);
        for (int i = 0; i < TEXTS.length; i++) {
            float[] want = pooled(reference.hiddenStates(inputs.get(i)), Pooling.MEAN);
            assertThat(got[i]).hasSize(want.length);
            assertThat(norm(got[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(cosine(got[i], want)).as(TEXTS[i]).isGreaterThan(0.99999);
            for (int d = 0; d < want.length; d++)
                assertThat((double) got[i][d]).isCloseTo(want[d], org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(cosine(got[0], got[1])).isLessThan(0.9999);
    }

    @Test
    void sameInputGivesTheSameVectorAlsoWhileGenerating() throws Exception {
        int[] ids = engine.promptTokens(Prompt.text("The sun was shining"));
        float[] alone = engine.embed(List.of(ids)).get(30, TimeUnit.SECONDS)[0];
        var gen = engine.submit(
                GenerationRequest.of(Prompt.text("Once upon a time"), SamplingParams.greedy(200)),
                GenerationListener.NONE);
        float[] during = engine.embed(List.of(ids, ids)).get(30, TimeUnit.SECONDS)[1];
        assertThat(gen.result().get(30, TimeUnit.SECONDS).first().tokenIds()).isNotEmpty();
        assertThat(cosine(alone, during)).isGreaterThan(0.999999);
    }

    @Test
    void aLargeJobTakesTurnsWithGenerationInsteadOfHoldingItUp() throws Exception {
        int[] ids = engine.promptTokens(Prompt.text(TEXTS[1])); // ~20 tokens: 300 of them take ~400 passes of 16 rows
        List<int[]> many = java.util.Collections.nCopies(300, ids);
        java.util.concurrent.CompletableFuture<float[][]> job;
        GenerationHandle gen;
        // both submitted before the first pass: a descheduled test thread cannot let the job run ahead alone
        try (GateHold hold = new GateHold(gate)) {
            job = engine.embed(many);
            gen = engine.submit(
                    GenerationRequest.of(Prompt.text("Once upon a time"), SamplingParams.greedy(10)),
                    GenerationListener.NONE);
        }
        gen.result().get(60, TimeUnit.SECONDS);
        assertThat(job).as("the generation finished while the job still ran").isNotDone();
        float[][] vectors = job.get(120, TimeUnit.SECONDS);
        assertThat(vectors.length).isEqualTo(300);
        assertThat(cosine(vectors[0], vectors[299])).isGreaterThan(0.999999);
    }

    @Test
    void refusesEmptyAndOutOfVocabularyInputs() {
        assertThatThrownBy(() -> engine.embed(List.of())).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> engine.embed(List.of(new int[0]))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> engine.embed(List.of(new int[] {1, 1 << 20})))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aFolderDeclaringLastTokenPoolingGetsIt(@TempDir Path dir) throws Exception {
        try (Stream<Path> files = Files.list(TestModels.stories())) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_lasttoken\": true}");
        try (Engine last = Engine.open(EngineConfig.builder()
                .model(dir.toString())
                .kvCacheTokens(1024)
                .maxBatchTokens(16)
                .build())) {
            assertThat(last.pooling()).isEqualTo(Pooling.LAST);
            int[] ids = last.promptTokens(Prompt.text(TEXTS[1]));
            float[] got = last.embed(List.of(ids)).get(30, TimeUnit.SECONDS)[0];
            float[] want = pooled(reference.hiddenStates(ids), Pooling.LAST);
            assertThat(cosine(got, want)).isGreaterThan(0.99999);
        }
    }

    static float[] pooled(float[][] states, Pooling pooling) {
        float[] v = new float[states[0].length];
        if (pooling == Pooling.LAST) v = states[states.length - 1].clone();
        else for (float[] s : states) for (int i = 0; i < v.length; i++) v[i] += s[i] / states.length;
        double n = norm(v);
        for (int i = 0; i < v.length; i++) v[i] /= (float) n;
        return v;
    }

    static double norm(float[] v) {
        double ss = 0;
        for (float f : v) ss += (double) f * f;
        return Math.sqrt(ss);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += (double) a[i] * b[i];
        return dot / (norm(a) * norm(b));
    }
}
