package dev.fairway.cli.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** `--log-format`: text (logback.xml: lines on standard error) or json (one object per line on standard output). */
public enum LogFormat {
    TEXT,
    JSON;

    public static LogFormat parse(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("--log-format must be text or json, not '" + value + "'");
        };
    }

    /** Sets up the logging backend for this format (text is logback.xml's, as loaded). */
    public void apply() {
        if (this == TEXT) return;
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context))
            throw new IllegalStateException("--log-format json needs Logback; the logger here is "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("json");
        appender.setTarget("System.out");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    /**
     * The access log ({@code fairway.access}, one line per request) is written by `fairway serve` only: logback.xml
     * keeps it at WARN so that the servers that chat and the benchmarks run inside themselves stay quiet.
     */
    public static void enableAccessLog() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context)
            context.getLogger("fairway.access").setLevel(ch.qos.logback.classic.Level.INFO);
    }

    /**
     * Where a command's own messages (the server's banner, "listening on", "stopped") go: standard output as they are
     * in text, log lines of {@code loggerName} in JSON, so that standard output stays one JSON object per line.
     */
    public PrintStream console(String loggerName) {
        if (this == TEXT) return System.out;
        return new PrintStream(new LoggedLines(LoggerFactory.getLogger(loggerName)), true, StandardCharsets.UTF_8);
    }
}
