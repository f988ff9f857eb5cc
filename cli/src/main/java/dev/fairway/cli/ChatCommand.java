package dev.fairway.cli;

import dev.fairway.cli.options.EngineOptions;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.engine.TokenEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `fairway chat`: a terminal chat that streams the reply as it is generated. */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with a model in the terminal (streams).")
public final class ChatCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engineOptions;

    @Spec
    CommandSpec spec;

    @Option(names = "--system", description = "System prompt.")
    String system;

    @Option(names = "--max-tokens", defaultValue = "512")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.7")
    float temperature;

    @Option(names = "--seed", description = "Seed for reproducible sampling.")
    Long seed;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (engineOptions.model() == null) throw new ParameterException(spec.commandLine(), "Missing required option: '--model' (or FAIRWAY_MODEL)");
        EngineConfig config = engineOptions.builder().build();
        try (Engine engine = Engine.open(config)) {
            out.println("Model " + engine.modelInfo().id() + " ready. Type a message; empty line or Ctrl-D quits.");
            List<ChatMessage> history = new ArrayList<>();
            if (system != null) history.add(ChatMessage.system(system));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).temperature(temperature).seed(seed).build();
            while (true) {
                out.print("> ");
                String line = in.readLine();
                if (line == null || line.isBlank()) return 0;
                history.add(ChatMessage.user(line));
                GenerationHandle handle = engine.submit(
                        new GenerationRequest("local", "terminal", Prompt.chat(history), params, 1, 1.0),
                        new GenerationListener() {
                            @Override
                            public void onToken(TokenEvent event) {
                                out.print(event.textDelta());
                            }
                        });
                GenerationResult result = handle.result().join();
                out.println();
                history.add(ChatMessage.assistant(result.text()));
            }
        }
    }
}
