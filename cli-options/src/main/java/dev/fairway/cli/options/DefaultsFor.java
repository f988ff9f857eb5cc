package dev.fairway.cli.options;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Other defaults for some shared options in one command: {@code @Command(defaultValueProvider = X.class)} with
 * {@code class X extends DefaultsFor { X() { super("--weights", "${env:FAIRWAY_WEIGHTS:-Q4}"); } }}. A value may
 * name the option's environment twin as the shared definition does. Options not named keep their own default.
 */
public abstract class DefaultsFor implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> defaults = new HashMap<>();

    /** Pairs of option name and default value. */
    protected DefaultsFor(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) throw new IllegalArgumentException("name/value pairs expected");
        for (int i = 0; i < nameValuePairs.length; i += 2) defaults.put(nameValuePairs[i], nameValuePairs[i + 1]);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? defaults.get(o.longestName()) : null;
    }
}
