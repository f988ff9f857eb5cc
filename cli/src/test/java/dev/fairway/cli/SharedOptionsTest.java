package dev.fairway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.cli.options.ComputeOptions;
import dev.fairway.cli.options.EngineOptions;
import java.lang.reflect.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every engine/model option of every fairway command comes from the one definition in cli-options. */
class SharedOptionsTest {
    static final Set<String> SHARED = Set.of(
            "--model",
            "--weights",
            "--weight-type",
            "--threads",
            "--kv-mb",
            "--kv-tokens",
            "--max-batch",
            "--max-running",
            "--max-waiting",
            "--policy",
            "--prefix-caching",
            "--prefix-cache",
            "--model-cache");

    /** Options that share a name but are something else: the model name bench serve sends in its requests. */
    static final Map<String, Set<String>> OTHER_MEANING = Map.of("fairway bench serve", Set.of("--model"));

    private static void walk(CommandLine c, List<CommandLine> all) {
        all.add(c);
        c.getSubcommands().values().forEach(s -> walk(s, all));
    }

    @Test
    void engineOptionsAreDefinedOnce() {
        List<CommandLine> all = new ArrayList<>();
        walk(new CommandLine(new FairwayCli()), all);
        List<String> checked = new ArrayList<>();
        for (CommandLine c : all) {
            String name = c.getCommandSpec().qualifiedName();
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (!SHARED.contains(o.longestName())) continue;
                if (OTHER_MEANING.getOrDefault(name, Set.of()).contains(o.longestName())) continue;
                Class<?> owner = ((Member) o.userObject()).getDeclaringClass();
                assertThat(owner).as(name + " " + o.longestName()).isIn(ComputeOptions.class, EngineOptions.class);
                checked.add(name + " " + o.longestName());
            }
        }
        assertThat(checked)
                .contains(
                        "fairway serve --model",
                        "fairway serve --weights",
                        "fairway serve --weight-type",
                        "fairway chat --model",
                        "fairway chat --kv-mb",
                        "fairway bench gateway --weights",
                        "fairway bench gateway --prefix-cache",
                        "fairway bench engine --weights",
                        "fairway bench engine --threads",
                        "fairway bench fairness --weights");
    }

    @Test
    void benchDefaultsStay() {
        String engine = new CommandLine(new FairwayCli())
                .getSubcommands()
                .get("bench")
                .getSubcommands()
                .get("engine")
                .getUsageMessage();
        assertThat(engine).contains("--weights=TYPE").contains("(default Q4)");
        String gateway = new CommandLine(new FairwayCli())
                .getSubcommands()
                .get("bench")
                .getSubcommands()
                .get("gateway")
                .getUsageMessage();
        assertThat(gateway).contains("--kv-mb 256").contains("default 256").contains("stories260K");
    }
}
