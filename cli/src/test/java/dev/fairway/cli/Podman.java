package dev.fairway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * podman, where it can run containers. The flags are those that work on machines like this one (a VM with hybrid
 * cgroups, rlimits that cannot be raised): runc rather than crun when installed, the host's network, low rlimits.
 */
final class Podman {
    private final List<String> runFlags;
    private final String tag;

    private Podman(List<String> runFlags, String tag) {
        this.runFlags = runFlags;
        this.tag = tag;
    }

    /** Loads the image and runs it once (`--version`); aborts the test (skipped, with the reason) if it cannot. */
    static Podman probe(Path image) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("podman"), "podman is not installed");
        Result load = exec(List.of("podman", "load", "-i", image.toString()));
        Assumptions.assumeTrue(load.exit() == 0, "podman load failed: " + load.output());
        String tag = load.output()
                .lines()
                .filter(l -> l.startsWith("Loaded image"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst()
                .orElseThrow(() -> new AssertionError("podman load named no image: " + load.output()));
        List<String> flags = new ArrayList<>(
                List.of("--network=host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"));
        if (onPath("runc")) flags.addAll(0, List.of("--runtime", "runc"));
        Podman podman = new Podman(flags, tag);
        Result version =
                exec(podman.run("fairway-image-probe-" + ProcessHandle.current().pid(), tag, "--version"));
        Assumptions.assumeTrue(version.exit() == 0, "podman cannot run containers here: " + version.output());
        if (!version.output().contains("Fairway")) throw new AssertionError("--version printed " + version.output());
        return podman;
    }

    String tag() {
        return tag;
    }

    /** The command line of `podman run --rm --name NAME FLAGS ARGS...`. */
    List<String> run(String name, String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "run", "--rm", "--name", name));
        command.addAll(runFlags);
        command.addAll(List.of(args));
        return command;
    }

    void remove(String name) throws IOException, InterruptedException {
        exec(List.of("podman", "rm", "-f", "-t", "5", name));
    }

    private record Result(int exit, String output) {}

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("podman", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("no answer in 300 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        return false;
    }
}
