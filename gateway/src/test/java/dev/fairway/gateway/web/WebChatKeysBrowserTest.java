package dev.fairway.gateway.web;

import static dev.fairway.gateway.web.WebChatBrowserTest.awaitTurnEnd;
import static dev.fairway.gateway.web.WebChatBrowserTest.conversationId;
import static dev.fairway.gateway.web.WebChatBrowserTest.lastReplyRaw;
import static dev.fairway.gateway.web.WebChatBrowserTest.send;
import static dev.fairway.gateway.web.WebChatBrowserTest.setField;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.TestGateway;
import dev.fairway.gateway.store.Database;
import dev.fairway.gateway.store.UserAdmin;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;

/** The web chat on a server with users: API key sign-in (wrong one refused, right one works), remember me, revocation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebChatKeysBrowserTest {
    private Path db;
    private Gateway gateway;
    private String base;
    private String graceKey;
    private String heidiKey;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        Browser.assumeInstalled();
        db = TestGateway.tempDb();
        gateway = TestGateway.start(TestGateway.config(db));
        base = gateway.baseUrl();
        UserAdmin users = new UserAdmin(Database.dataSource(db));
        graceKey = users.add("grace");
        heidiKey = users.add("heidi");
        browser = new Browser("keys", 1280, 900);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            assertThat(browser.requestedUrls().stream()
                            .filter(u -> u.matches("(?i)^(https?|wss?)://.*") && !u.startsWith(base + "/")))
                    .as("requests to other hosts")
                    .isEmpty();
            browser.close();
        }
        if (gateway != null) gateway.close();
    }

    private void signInWithKey(String key, boolean remember) {
        browser.awaitVisible("#signin-apikey");
        browser.find("#signin-apikey").clear();
        browser.find("#signin-apikey").sendKeys(key);
        if (browser.find("#signin-remember").isSelected() != remember)
            browser.find("#signin-remember").click();
        browser.find("#signin-submit").click();
    }

    @Test
    @Order(1)
    void aWrongKeyIsRefusedAndARightOneWorks() {
        browser.open(base + "/");
        browser.awaitVisible("#signin-apikey");
        assertThat(browser.find("#signin-name").isDisplayed())
                .as("no name field when keys are required")
                .isFalse();
        browser.screenshot("key-form");
        signInWithKey("fw-not-a-key", false);
        browser.await(d -> d.findElement(By.id("signin-error")).getText().contains("refused") ? Boolean.TRUE : null);
        assertThat(browser.find("#app").isDisplayed()).isFalse();
        browser.screenshot("wrong-key");

        signInWithKey(graceKey, false);
        browser.awaitVisible("#composer-input");
        assertThat(browser.find("#signed-in-as").getText()).endsWith(graceKey.substring(graceKey.length() - 4));
        // kept for this browser session only
        assertThat(
                        browser.js(
                                "return sessionStorage.getItem('fairway.auth') !== null && localStorage.getItem('fairway.auth') === null;"))
                .isEqualTo(true);
        setField(browser, "set-max_tokens", "24");
        send(browser, "Once upon a time");
        awaitTurnEnd(browser);
        String id = conversationId(browser);
        browser.screenshot("signed-in-with-key");
        UserApi grace = UserApi.keyed(base, graceKey);
        assertThat(lastReplyRaw(browser))
                .isEqualTo(grace.lastMessage(id).get("content").asText());
        assertThat(UserApi.keyed(base, heidiKey).get("/v1/conversations/" + id).status())
                .isEqualTo(404);
        assertThat(UserApi.named(base, "grace").get("/v1/conversations/" + id).status())
                .isEqualTo(401);

        browser.driver.navigate().refresh();
        browser.awaitVisible("#composer-input");
        browser.await(
                d -> d.findElements(By.cssSelector("#messages .from-model")).size() == 1 ? Boolean.TRUE : null);
    }

    @Test
    @Order(2)
    void rememberMeKeepsTheKeyAcrossBrowserSessions() {
        browser.find("#sign-out").click();
        assertThat(
                        browser.js(
                                "return sessionStorage.getItem('fairway.auth') === null && localStorage.getItem('fairway.auth') === null;"))
                .isEqualTo(true);
        signInWithKey(heidiKey, true);
        browser.awaitVisible("#composer-input");
        assertThat(browser.js("return localStorage.getItem('fairway.auth') !== null;"))
                .isEqualTo(true);
        assertThat(browser.all(".conversation"))
                .as("heidi sees none of grace's")
                .isEmpty();
    }

    @Test
    @Order(3)
    void aRevokedKeyIsExplainedAndLeadsBackToSignIn() throws Exception {
        assertThat(new UserAdmin(Database.dataSource(db)).remove("heidi")).isTrue();
        send(browser, "Hello again");
        browser.await(
                d -> d.findElement(By.id("signin-error")).getText().contains("refused (401)") ? Boolean.TRUE : null);
        assertThat(browser.find("#signin-apikey").isDisplayed()).isTrue();
        assertThat(browser.js("return localStorage.getItem('fairway.auth') === null;"))
                .isEqualTo(true);
        browser.screenshot("revoked");
    }
}
