package dev.fairway.gateway.web;

import static dev.fairway.gateway.web.WebChatBrowserTest.awaitTurnEnd;
import static dev.fairway.gateway.web.WebChatBrowserTest.conversationId;
import static dev.fairway.gateway.web.WebChatBrowserTest.lastReplyRaw;
import static dev.fairway.gateway.web.WebChatBrowserTest.setField;
import static dev.fairway.gateway.web.WebChatBrowserTest.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.EngineStats;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/** A full server answers 429: the page says "server busy, retrying in N s", retries by itself and gets its reply. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebChatBusyBrowserTest {
    private Gateway gateway;
    private Browser browser;

    @BeforeAll
    void start() {
        Browser.assumeInstalled();
        // one sequence decoding and one waiting fill the server
        gateway = TestGateway.start(TestGateway.config(
                TestGateway.tempDb(), b -> b.maxRunningSequences(1).maxWaitingRequests(1)));
        browser = new Browser("busy", 1280, 900);
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (gateway != null) gateway.close();
    }

    private void awaitStats(Predicate<EngineStats> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (condition.test(gateway.engine().stats())) return;
            Thread.sleep(5);
        }
        throw new AssertionError(
                "engine never reached the expected state: " + gateway.engine().stats());
    }

    @Test
    void aBusyServerIsRetriedAutomatically() throws Exception {
        String base = gateway.baseUrl();
        signIn(browser, base, "ivan");
        setField(browser, "set-max_tokens", "16");
        // typed ahead: once the server is full only Enter remains
        WebChatBrowserTest.type(browser, "Once upon a time");
        HttpClient client = HttpClient.newHttpClient();
        String longStream = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"stream\":true,"
                + "\"ignore_eos\":true,\"max_tokens\":480}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(longStream))
                .build();
        List<CompletableFuture<HttpResponse<String>>> load;
        // braked, the server stays full until the page has shown its notice, however slow the browser
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            // one after the other: sent together, the second can find the first still waiting and get the 429 itself
            var first = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            awaitStats(s -> s.runningSequences() == 1);
            var second = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            awaitStats(s -> s.runningSequences() == 1 && s.waitingSequences() == 1);
            load = List.of(first, second);

            WebChatBrowserTest.markTurns(browser);
            browser.find("#composer-input").sendKeys(org.openqa.selenium.Keys.ENTER);
            browser.await(
                    Duration.ofSeconds(60),
                    d -> d.findElement(By.id("chat-notice")).getText().matches("Server busy, retrying in \\d+ s.*")
                            ? Boolean.TRUE
                            : null);
            browser.screenshot("server-busy");
        }
        awaitTurnEnd(browser);
        for (var f : load) assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(browser.find("#chat-notice").isDisplayed()).isFalse();
        String id = conversationId(browser);
        var stored = UserApi.named(base, "ivan").lastMessage(id);
        assertThat(stored.get("status").asText()).isEqualTo("completed");
        assertThat(lastReplyRaw(browser)).isEqualTo(stored.get("content").asText());
        // the user's message was stored once, not once per try
        assertThat(UserApi.named(base, "ivan").conversation(id).get("messages")).hasSize(2);
        browser.screenshot("retried");
    }
}
