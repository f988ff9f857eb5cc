package dev.fairway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `fairway bench ...`: benchmarks that print numbers (and --json). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks (print numbers; --json for machines).",
        subcommands = {
            dev.fairway.bench.engine.EngineBenchCommand.class,
            dev.fairway.bench.engine.FairnessBenchCommand.class,
            dev.fairway.bench.engine.SamplingBenchCommand.class,
            dev.fairway.bench.engine.ModelsBenchCommand.class,
            dev.fairway.bench.engine.ConstrainedBenchCommand.class,
            dev.fairway.bench.loadgen.ServeBenchCommand.class,
            dev.fairway.bench.gateway.GatewayBenchCommand.class
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
