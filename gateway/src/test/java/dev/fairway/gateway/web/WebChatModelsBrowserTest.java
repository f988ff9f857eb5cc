package dev.fairway.gateway.web;

import static dev.fairway.gateway.web.WebChatBrowserTest.awaitSaved;
import static dev.fairway.gateway.web.WebChatBrowserTest.awaitTurnEnd;
import static dev.fairway.gateway.web.WebChatBrowserTest.conversationId;
import static dev.fairway.gateway.web.WebChatBrowserTest.lastReplyInfo;
import static dev.fairway.gateway.web.WebChatBrowserTest.lastReplyRaw;
import static dev.fairway.gateway.web.WebChatBrowserTest.send;
import static dev.fairway.gateway.web.WebChatBrowserTest.setField;
import static dev.fairway.gateway.web.WebChatBrowserTest.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.models.ModelsConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web chat's model picker in a real browser against a server with two models (stories260K loaded at start, its
 * JQ4 copy loaded on first use): the picker lists both from /v1/models with their state, a chat set to the second
 * model is answered by it, switching the picker mid-conversation moves the next turn to the other model, and the
 * choice is the conversation's (it survives a reload).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebChatModelsBrowserTest {
    static final String JQ4 =
            TestGateway.shared().resolve("models/stories260K-JQ4").toString();

    private Gateway gateway;
    private Browser browser;

    @BeforeAll
    void start() {
        Browser.assumeInstalled();
        gateway = Gateway.start(
                        TestGateway.config(TestGateway.tempDb()),
                        ModelsConfig.of(List.of(TestGateway.modelPath(), "jq4=" + JQ4), 0, null, Duration.ZERO),
                        System.out)
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        browser = new Browser("models", 1280, 900);
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (gateway != null) gateway.close();
    }

    private List<String> pickerLabels() {
        return browser.all("#set-model option").stream()
                .map(o -> o.getDomProperty("textContent"))
                .toList();
    }

    /** Greedy reply of {@code model} to the conversation's stored messages up to its last user message. */
    private String greedyReply(String model, String conversation) {
        Http http = new Http(gateway.baseUrl());
        var body = Http.JSON
                .createObjectNode()
                .put("model", model)
                .put("temperature", 0)
                .put("max_tokens", 12);
        var messages = body.putArray("messages");
        JsonNode stored = UserApi.named(gateway.baseUrl(), "pat")
                .conversation(conversation)
                .get("messages");
        for (int i = 0; i < stored.size() - 1; i++) {
            messages.addObject()
                    .put("role", stored.get(i).get("role").asText())
                    .put("content", stored.get(i).get("content").asText());
        }
        return http.post("/v1/chat/completions", body.toString())
                .json()
                .get("choices")
                .get(0)
                .get("message")
                .get("content")
                .asText();
    }

    @Test
    void thePickerListsTheModelsAndEachTurnRunsOnTheConversationsModel() {
        signIn(browser, gateway.baseUrl(), "pat");
        browser.await(d -> d.findElements(By.cssSelector("#set-model option")).size() == 2 ? Boolean.TRUE : null);
        assertThat(pickerLabels().get(0)).startsWith("stories260K (default) — loaded, ");
        assertThat(pickerLabels().get(1)).startsWith("jq4 — not loaded, ").contains("Q4", "512 ctx");

        WebElement picker = browser.find("#set-model");
        new Select(picker).selectByValue("jq4");
        assertThat(browser.find("#model-info").getText()).startsWith("Loads on first use");
        setField(browser, "set-temperature", "0");
        setField(browser, "set-max_tokens", "12");
        send(browser, "Once upon a time");
        awaitTurnEnd(browser);
        String id = conversationId(browser);
        UserApi api = UserApi.named(gateway.baseUrl(), "pat");
        assertThat(api.conversation(id).get("metadata").get("model").asText()).isEqualTo("jq4");
        assertThat(lastReplyInfo(browser)).startsWith("jq4 · TTFT");
        assertThat(lastReplyRaw(browser)).isEqualTo(greedyReply("jq4", id));
        browser.await(d -> pickerLabels().get(1).startsWith("jq4 — loaded") ? Boolean.TRUE : null);
        browser.screenshot("model-picker-jq4");

        // switched mid-conversation: the next turn runs on the other model, over the whole history
        new Select(browser.find("#set-model")).selectByValue("stories260K");
        awaitSaved(browser);
        assertThat(api.conversation(id).get("metadata").get("model").asText()).isEqualTo("stories260K");
        send(browser, "The dog ran");
        awaitTurnEnd(browser);
        assertThat(lastReplyInfo(browser)).startsWith("stories260K · TTFT");
        assertThat(lastReplyRaw(browser)).isEqualTo(greedyReply("stories260K", id));

        browser.driver.navigate().refresh();
        browser.awaitVisible("#composer-input");
        browser.await(
                d -> d.findElements(By.cssSelector("#messages .from-model")).size() == 2 ? Boolean.TRUE : null);
        assertThat(browser.find("#set-model").getDomProperty("value")).isEqualTo("stories260K");
        assertThat(browser.find("#model-info").getText()).startsWith("Loaded");
    }
}
