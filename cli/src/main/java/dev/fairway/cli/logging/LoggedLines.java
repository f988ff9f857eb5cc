package dev.fairway.cli.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;

/** An output stream whose every line becomes one INFO log line (a line break ends it; an unfinished line waits). */
final class LoggedLines extends OutputStream {
    private final Logger logger;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LoggedLines(Logger logger) {
        this.logger = logger;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            logger.info(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
        } else {
            line.write(b);
        }
    }
}
