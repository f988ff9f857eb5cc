package dev.fairway.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.bench.engine.EngineBenchCommand.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class BestAggregateLineTest {

    private static Result row(String system, String mode, int n, double tps) {
        return new Result(system, "m", "Q4", mode, n, 128, 0, tps, true);
    }

    @Test
    void comparesFairwaysLargestNWithJlamasBestAggregateAtAnyN() {
        List<Result> fw = List.of(
                row("fairway", "decode", 1, 900),
                row("fairway", "concurrent", 4, 200),
                row("fairway", "concurrent", 16, 300),
                row("fairway", "concurrent", 8, 250));
        // jlama's N=16 crashed: its best aggregate is at N=4, and its faster single-stream row is not an aggregate
        List<Result> jl = List.of(
                row("jlama", "prefill", 1, 90), row("jlama", "concurrent", 4, 50), row("jlama", "concurrent", 8, 40));

        assertThat(EngineBenchCommand.bestAggregateLine(fw, jl))
                .hasValue("# fairway N=16 300.0 tok/s = 6.00x jlama's best aggregate (50.0 tok/s at N=4)");
    }

    @Test
    void noLineWithoutConcurrentRowsOnBothSides() {
        assertThat(EngineBenchCommand.bestAggregateLine(
                        List.of(row("fairway", "concurrent", 16, 300)), List.of(row("jlama", "decode", 1, 20))))
                .isEmpty();
        assertThat(EngineBenchCommand.bestAggregateLine(List.of(), List.of(row("jlama", "concurrent", 4, 50))))
                .isEmpty();
    }
}
