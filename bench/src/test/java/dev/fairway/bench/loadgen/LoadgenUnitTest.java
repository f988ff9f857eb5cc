package dev.fairway.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadgenUnitTest {

    @Test
    void percentilesInterpolateLikeNumpy() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = 100 - i; // 1..100, unsorted
        Summary s = Summary.of(v);
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.mean()).isCloseTo(50.5, within(1e-9));
        assertThat(s.p50()).isCloseTo(50.5, within(1e-9));
        assertThat(s.p90()).isCloseTo(90.1, within(1e-9));
        assertThat(s.p99()).isCloseTo(99.01, within(1e-9));
        assertThat(Summary.of(new double[] {7}).p99()).isEqualTo(7.0);
        assertThat(Summary.of(new double[0]).p50()).isNull();
    }

    @Test
    void jainIndex() {
        assertThat(LoadReport.fairness(new double[] {5, 5, 5, 5})).isCloseTo(1.0, within(1e-12));
        assertThat(LoadReport.fairness(new double[] {10, 0, 0, 0})).isCloseTo(0.25, within(1e-12));
        assertThat(LoadReport.fairness(new double[] {1, 2})).isCloseTo(9.0 / 10.0, within(1e-12));
        assertThat(LoadReport.fairness(new double[] {0, 0})).isNull(); // nobody served: n/a (Stats.jain says 1.0)
    }

    @Test
    void userSpecs() {
        assertThat(SimUser.parse("alice:sk-1:4", 1)).isEqualTo(new SimUser("alice", "sk-1", 4));
        assertThat(SimUser.parse("bob:sk-2", 3)).isEqualTo(new SimUser("bob", "sk-2", 3));
        assertThat(SimUser.parse("carol:a:b:c:2", 1)).isEqualTo(new SimUser("carol", "a:b:c", 2));
        assertThat(SimUser.parse("dave::2", 1)).isEqualTo(new SimUser("dave", null, 2));
        assertThatThrownBy(() -> SimUser.parse("nokey", 1)).hasMessageContaining("name:key");
        assertThatThrownBy(() -> SimUser.parse("x:k:0", 1)).hasMessageContaining("concurrency");
    }

    @Test
    void durations() {
        assertThat(DurationParser.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationParser.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationParser.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationParser.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> DurationParser.parse("soon")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedPromptsHaveTheRequestedWordCountAndAreSeeded() {
        PromptSource fixed = PromptSource.ofTokens("128", 1);
        assertThat(fixed.next().split(" ")).hasSize(128);
        PromptSource uniform = PromptSource.ofTokens("64:256", 7);
        for (int i = 0; i < 50; i++)
            assertThat(uniform.next().split(" ").length).isBetween(64, 256);
        assertThat(PromptSource.ofTokens("16", 3).next())
                .isEqualTo(PromptSource.ofTokens("16", 3).next());
        assertThatThrownBy(() -> PromptSource.ofTokens("256:64", 1)).hasMessageContaining("MIN:MAX");
        assertThatThrownBy(() -> PromptSource.ofTokens("0", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonlPromptsCycleInOrder(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, "{\"prompt\": \"one\"}\n\n{\"prompt\": \"two\", \"extra\": 1}\n");
        PromptSource p = PromptSource.ofJsonl(f);
        assertThat(List.of(p.next(), p.next(), p.next())).containsExactly("one", "two", "one");
        Files.writeString(f, "{\"prompt\": \"ok\"}\n{\"text\": \"no\"}\n");
        assertThatThrownBy(() -> PromptSource.ofJsonl(f)).hasMessageContaining("p.jsonl:2");
        Files.writeString(f, "not json\n");
        assertThatThrownBy(() -> PromptSource.ofJsonl(f)).hasMessageContaining("p.jsonl:1");
    }

    @Test
    void onlyLoopbackTargetsUnlessAllowed() {
        TargetGuard.check(URI.create("http://127.0.0.1:8080"), false);
        TargetGuard.check(URI.create("http://localhost:8080/v1"), false);
        TargetGuard.check(URI.create("http://[::1]:8080"), false);
        assertThatThrownBy(() -> TargetGuard.check(URI.create("http://10.1.2.3:8000"), false))
                .hasMessageContaining("10.1.2.3")
                .hasMessageContaining("--allow-remote");
        TargetGuard.check(URI.create("http://10.1.2.3:8000"), true);
        assertThatThrownBy(() -> TargetGuard.check(URI.create("ftp://127.0.0.1/"), false))
                .hasMessageContaining("http");
        assertThatThrownBy(() -> TargetGuard.check(URI.create("http://no-such-host.invalid:1"), true))
                .hasMessageContaining("cannot resolve");
    }

    @Test
    void poissonGapsHaveTheRequestedMean() {
        Arrivals a = new Arrivals(20.0, List.of(new SimUser("a", null, 1), new SimUser("b", null, 3)), 5);
        double sum = 0;
        int b = 0, n = 20000;
        for (int i = 0; i < n; i++) {
            sum += a.nextGapNanos();
            if (a.nextUser().name().equals("b")) b++;
        }
        assertThat(sum / n / 1e9).isCloseTo(0.05, within(0.003));
        assertThat((double) b / n).isCloseTo(0.75, within(0.02));
    }
}
