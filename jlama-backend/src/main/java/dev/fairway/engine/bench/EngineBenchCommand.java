package dev.fairway.engine.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `fairway bench engine` (being written). */
@Command(name = "engine", mixinStandardHelpOptions = true, description = "Engine throughput vs jlama generate().")
public final class EngineBenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("not yet");
    }
}
