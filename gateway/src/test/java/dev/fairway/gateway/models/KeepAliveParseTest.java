package dev.fairway.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** keep_alive as Ollama reads it: Go durations and seconds; negative means until the room is needed. */
class KeepAliveParseTest {
    @ParameterizedTest
    @CsvSource({
        "5m, 300000",
        "30s, 30000",
        "1h, 3600000",
        "1h30m, 5400000",
        "1.5h, 5400000",
        "300ms, 300",
        "0, 0",
        "0s, 0",
        "90, 90000",
        "2.5, 2500"
    })
    void readsDurationsAndSeconds(String text, long millis) {
        assertThat(KeepAlive.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-5m", "-0.5"})
    void negativeMeansForever(String text) {
        assertThat(KeepAlive.isForever(KeepAlive.parse(text))).isTrue();
        assertThat(KeepAlive.isForever(KeepAlive.ofSeconds(-1))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "5 minutes", "1x", "m", "5m3", "--1"})
    void refusesAnythingElse(String text) {
        assertThatThrownBy(() -> KeepAlive.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
