package dev.fairway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of ./fairway: serve, chat, users here; the benchmarks come from the bench module. */
@Command(
        name = "fairway",
        mixinStandardHelpOptions = true,
        version = "Fairway 0.1.0",
        description = "Local LLM serving for the JVM: many users, one model, fair streams.",
        subcommands = {
            ChatCommand.class,
            ServeCommand.class,
            UsersCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class FairwayCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new FairwayCli())
                .setExecutionExceptionHandler(FairwayCli::oneLine)
                .execute(args));
    }

    /** Errors a user can act on (bad model path, offline download, bad flag value) are one line, not a stack trace. */
    private static int oneLine(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof dev.fairway.engine.EngineException
                || e instanceof IllegalArgumentException
                || e instanceof java.io.UncheckedIOException) {
            cmd.getErr().println("fairway: " + e.getMessage());
            return 1;
        }
        throw e;
    }
}
