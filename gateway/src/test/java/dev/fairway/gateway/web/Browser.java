package dev.fairway.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, through Debian's chromedriver: a fresh profile per browser (so two browsers are two
 * separate users' browsers), no Google services (the machine has no internet; without these flags Chromium keeps
 * trying), every network request the page makes recorded from the performance log, and a numbered screenshot per step.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "web-screenshots");
    private static final int MIN_WINDOW_WIDTH = 500;

    final ChromeDriver driver;
    private final Path profile;
    private final String name;
    private final List<String> requestedUrls = new ArrayList<>();
    private int shot;

    /**
     * Skips the test where Chromium is missing, except under `./fairway test` (what CI runs: it installs Chromium and
     * sets fairway.browser.required) or with CI set: then it fails.
     */
    static void assumeInstalled() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && (System.getenv("CI") != null || Boolean.getBoolean("fairway.browser.required"))) {
            throw new AssertionError("browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "Chromium or chromedriver missing: apt-get install chromium chromium-driver");
    }

    Browser(String name, int width, int height) {
        this.name = name;
        try {
            if (Files.isDirectory(SHOTS)) { // this browser's shots of an earlier run
                try (Stream<Path> old = Files.list(SHOTS)) {
                    for (Path p : old.filter(p -> p.getFileName().toString().startsWith(name + "-"))
                            .toList()) Files.delete(p);
                }
            }
            profile = Files.createTempDirectory("fairway-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--no-default-browser-check",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
                "--password-store=basic",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--window-size=" + Math.max(width, MIN_WINDOW_WIDTH) + "," + height);
        if (width < MIN_WINDOW_WIDTH) {
            // a window cannot be narrower than 500 px: emulate a phone's viewport instead (what a 375 px phone shows)
            options.setExperimentalOption(
                    "mobileEmulation",
                    java.util.Map.of(
                            "deviceMetrics",
                            java.util.Map.of("width", width, "height", height, "pixelRatio", 2.0, "touch", false)));
        }
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    }

    // ---- driving

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    Object asyncJs(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    <T> T await(Function<ChromeDriver, T> condition) {
        return await(Duration.ofSeconds(60), condition);
    }

    <T> T await(Duration timeout, Function<ChromeDriver, T> condition) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(20)).until(d -> condition.apply(driver));
    }

    void awaitVisible(String css) {
        await(d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return !found.isEmpty() && found.get(0).isDisplayed() ? Boolean.TRUE : null;
        });
    }

    // ---- evidence

    /** Saves target/web-screenshots/NAME-NN-step.png and returns its path. */
    Path screenshot(String step) {
        try {
            Files.createDirectories(SHOTS);
            Path file = SHOTS.resolve(String.format("%s-%02d-%s.png", name, ++shot, step));
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every URL the browser requested for its pages so far (Network.requestWillBeSent in the performance log). */
    List<String> requestedUrls() {
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = Http.parse(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                requestedUrls.add(
                        message.path("params").path("request").path("url").asText());
            }
        }
        return List.copyOf(requestedUrls);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp folder left behind is harmless
            }
        }
    }
}
