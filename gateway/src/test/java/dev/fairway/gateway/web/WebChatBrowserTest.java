package dev.fairway.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.EngineStats;
import dev.fairway.gateway.EngineBrake;
import dev.fairway.gateway.Gateway;
import dev.fairway.gateway.Http;
import dev.fairway.gateway.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The web chat in a real browser (Debian's headless Chromium) against a real gateway on stories260K, open loopback
 * mode: sign in by name, stream, stop, settings across reloads, regenerate, rename/filter/delete, two users apart,
 * HTML shown as text, keyboard, pagination, errors, the 375 px layout, incremental rendering, Enter-to-first-token,
 * and no request to any host but the server. One screenshot per step under target/web-screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebChatBrowserTest {
    private Gateway gateway;
    private String base;
    private Browser alice;
    private final List<Browser> browsers = new ArrayList<>();
    private String storyId;
    private String stoppedId;

    @BeforeAll
    void start() {
        Browser.assumeInstalled();
        gateway = TestGateway.start(TestGateway.config(TestGateway.tempDb()));
        base = gateway.baseUrl();
        alice = browser("alice", 1280, 900);
    }

    @AfterAll
    void stop() {
        for (Browser b : browsers) b.close();
        if (gateway != null) gateway.close();
    }

    private Browser browser(String name, int width, int height) {
        Browser b = new Browser(name, width, height);
        browsers.add(b);
        return b;
    }

    // ---- helpers

    static void signIn(Browser b, String base, String name) {
        b.open(base + "/");
        b.awaitVisible("#signin-name");
        b.find("#signin-name").clear();
        b.find("#signin-name").sendKeys(name);
        b.find("#signin-submit").click();
        b.awaitVisible("#composer-input");
        b.await(d -> d.findElement(By.id("signed-in-as"))
                        .getDomProperty("textContent")
                        .contains(name)
                ? Boolean.TRUE
                : null);
    }

    static void type(Browser b, String text) {
        WebElement input = b.find("#composer-input");
        input.click();
        input.sendKeys(text);
    }

    /** Types and presses Enter; remembers how many turns had ended before, for {@link #awaitTurnEnd}. */
    static void send(Browser b, String text) {
        type(b, text);
        markTurns(b);
        b.find("#composer-input").sendKeys(Keys.ENTER);
    }

    static void markTurns(Browser b) {
        b.js("window.__turnsBefore = window.fairwayApp.state.turnsEnded;");
    }

    /** Until the turn started after the last {@link #markTurns} is over (replied, stopped or refused). */
    static void awaitTurnEnd(Browser b) {
        b.await(
                Duration.ofSeconds(60),
                d -> Boolean.TRUE.equals(b.js("return window.fairwayApp.state.turnsEnded > window.__turnsBefore;"))
                        ? Boolean.TRUE
                        : null);
        b.awaitVisible("#send");
    }

    static String conversationId(Browser b) {
        String hash = (String) b.js("return location.hash;");
        Matcher m = Pattern.compile("^#/c/(\\w+)$").matcher(hash);
        assertThat(m.matches()).as("hash " + hash).isTrue();
        return m.group(1);
    }

    /** The last reply's raw text, as streamed (what Copy copies). */
    static String lastReplyRaw(Browser b) {
        return (String)
                b.js(
                        "const r = [...document.querySelectorAll('#messages .from-model')].pop(); return r ? r.fairway.text() : null;");
    }

    static String lastReplyInfo(Browser b) {
        return (String)
                b.js(
                        "const r = [...document.querySelectorAll('#messages .from-model')].pop(); return r ? r.querySelector('.info').textContent : null;");
    }

    static String lastReplyShown(Browser b) {
        return (String)
                b.js(
                        "const r = [...document.querySelectorAll('#messages .from-model')].pop(); return r ? r.querySelector('.body').innerText : null;");
    }

    static String lettersAndDigits(String s) {
        return s.replaceAll("[^\\p{L}\\p{N}]", "");
    }

    static void setField(Browser b, String id, String value) {
        WebElement el = b.find("#" + id);
        el.clear();
        if (!value.isEmpty()) el.sendKeys(value);
    }

    static void awaitSaved(Browser b) {
        b.await(d -> d.findElement(By.id("settings-status")).getText().startsWith("Saved") ? Boolean.TRUE : null);
    }

    /** Records the last reply's visible length and whether it was still streaming, at every DOM change. */
    static void traceReplies(Browser b) {
        b.js("""
                window.__trace = [];
                const box = document.getElementById('messages');
                if (window.__traceObserver) window.__traceObserver.disconnect();
                window.__traceObserver = new MutationObserver(() => {
                  const r = [...box.querySelectorAll('.from-model')].pop();
                  if (r) window.__trace.push({len: r.querySelector('.body').textContent.length,
                                              busy: r.getAttribute('aria-busy') === 'true'});
                });
                window.__traceObserver.observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
                """);
    }

    private UserApi api(String user) {
        return UserApi.named(base, user);
    }

    private void awaitEngineIdle() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        EngineStats s = gateway.engine().stats();
        while (System.nanoTime() < deadline) {
            s = gateway.engine().stats();
            if (s.runningSequences() == 0 && s.waitingSequences() == 0) return;
            Thread.sleep(20);
        }
        throw new AssertionError("engine still busy: " + s);
    }

    // ---- the steps

    @Test
    @Order(1)
    void signInWithAUsername() {
        alice.open(base + "/");
        alice.awaitVisible("#signin-name");
        assertThat(alice.find("#signin-key").isDisplayed())
                .as("no key field on an open server")
                .isFalse();
        alice.screenshot("sign-in");
        // a name the server would refuse is caught in the page
        alice.find("#signin-name").sendKeys("-bad name");
        alice.find("#signin-submit").click();
        alice.await(d -> d.findElement(By.id("signin-error")).getText().contains("Names are") ? Boolean.TRUE : null);
        signIn(alice, base, "alice");
        assertThat(alice.find("#list-status").getText()).isEqualTo("No conversations yet.");
        alice.screenshot("signed-in");
    }

    @Test
    @Order(2)
    void aReplyStreamsAndEqualsWhatWasStored() {
        setField(alice, "set-max_tokens", "150"); // leaves room in stories260K's 512-token context for more turns
        traceReplies(alice);
        // braked until the page has shown two lengths of the reply while streaming: a loaded machine could otherwise
        // deliver the whole reply to a starved browser in one chunk
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            send(alice, "Once upon a time");
            // text is visible while the reply is still streaming
            alice.await(d -> Boolean.TRUE.equals(
                            alice.js(
                                    "return new Set(window.__trace.filter(e => e.busy && e.len > 0).map(e => e.len)).size > 1;"))
                    ? Boolean.TRUE
                    : null);
            alice.screenshot("streaming");
        }
        awaitTurnEnd(alice);
        storyId = conversationId(alice);
        alice.screenshot("reply-done");

        JsonNode stored = api("alice").lastMessage(storyId);
        assertThat(stored.get("role").asText()).isEqualTo("assistant");
        assertThat(stored.get("status").asText()).isEqualTo("completed");
        String content = stored.get("content").asText();
        assertThat(content).isNotBlank();
        assertThat(lastReplyRaw(alice)).isEqualTo(content);
        assertThat(lettersAndDigits(lastReplyShown(alice))).isEqualTo(lettersAndDigits(content));
        // it streamed in many steps, the first of them well before the end
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> trace = (List<Map<String, Object>>) alice.js("return window.__trace;");
        long streamingLengths = trace.stream()
                .filter(e -> Boolean.TRUE.equals(e.get("busy")))
                .map(e -> ((Number) e.get("len")).longValue())
                .filter(n -> n > 0)
                .distinct()
                .count();
        assertThat(streamingLengths)
                .as("distinct visible lengths while streaming")
                .isGreaterThan(1);
        assertThat(lastReplyInfo(alice)).matches("TTFT \\d+ ms · \\d+ tokens · [\\d.]+ tok/s.*");
        // the sidebar lists it, titled after the first message
        assertThat(alice.find(".conversation-title").getText()).isEqualTo("Once upon a time");
        assertThat(api("alice").conversation(storyId).get("title").asText()).isEqualTo("Once upon a time");
    }

    @Test
    @Order(3)
    void settingsAreStoredWithTheConversationAndSurviveAReload() {
        setField(alice, "set-system", "You tell short stories about cats.");
        setField(alice, "set-temperature", "0.7");
        setField(alice, "set-top_p", "0.9");
        setField(alice, "set-top_k", "40");
        setField(alice, "set-max_tokens", "48");
        setField(alice, "set-seed", "7");
        awaitSaved(alice);
        JsonNode metadata = api("alice").conversation(storyId).get("metadata");
        assertThat(metadata.get("system").asText()).isEqualTo("You tell short stories about cats.");
        assertThat(metadata.get("temperature").asText()).isEqualTo("0.7");
        assertThat(metadata.get("top_p").asText()).isEqualTo("0.9");
        assertThat(metadata.get("top_k").asText()).isEqualTo("40");
        assertThat(metadata.get("max_tokens").asText()).isEqualTo("48");
        assertThat(metadata.get("seed").asText()).isEqualTo("7");
        assertThat(metadata.get("model").asText()).isEqualTo("stories260K");

        alice.driver.navigate().refresh();
        alice.awaitVisible("#composer-input");
        alice.await(d -> d.findElements(By.cssSelector("#messages .from-model")).size() == 1 ? Boolean.TRUE : null);
        assertThat(conversationId(alice)).isEqualTo(storyId);
        assertThat(alice.find("#set-system").getDomProperty("value")).isEqualTo("You tell short stories about cats.");
        assertThat(alice.find("#set-temperature").getDomProperty("value")).isEqualTo("0.7");
        assertThat(alice.find("#set-top_p").getDomProperty("value")).isEqualTo("0.9");
        assertThat(alice.find("#set-top_k").getDomProperty("value")).isEqualTo("40");
        assertThat(alice.find("#set-max_tokens").getDomProperty("value")).isEqualTo("48");
        assertThat(alice.find("#set-seed").getDomProperty("value")).isEqualTo("7");
        assertThat(alice.find("#set-model").getDomProperty("value")).isEqualTo("stories260K");
        assertThat(alice.find("#chat-title").getText()).isEqualTo("Once upon a time");
        alice.screenshot("reloaded-with-settings");

        // the next turn uses them (the server reads them from the metadata): at most 48 tokens
        send(alice, "The cat");
        awaitTurnEnd(alice);
        Matcher tokens = Pattern.compile("(\\d+) tokens").matcher(lastReplyInfo(alice));
        assertThat(tokens.find()).isTrue();
        assertThat(Integer.parseInt(tokens.group(1))).isBetween(1, 48);
        assertThat(lastReplyRaw(alice))
                .isEqualTo(api("alice").lastMessage(storyId).get("content").asText());
    }

    @Test
    @Order(4)
    void regenerateReplacesTheLastReply() {
        JsonNode before = api("alice").conversation(storyId).get("messages");
        String lastId = before.get(before.size() - 1).get("id").asText();
        markTurns(alice);
        alice.find("#messages .from-model:last-child .regenerate").click();
        awaitTurnEnd(alice);
        alice.screenshot("regenerated");
        JsonNode after = api("alice").conversation(storyId).get("messages");
        assertThat(after.size()).isEqualTo(before.size());
        JsonNode last = after.get(after.size() - 1);
        assertThat(last.get("role").asText()).isEqualTo("assistant");
        assertThat(last.get("id").asText()).isNotEqualTo(lastId);
        assertThat(lastReplyRaw(alice)).isEqualTo(last.get("content").asText());
        assertThat(alice.all("#messages .from-model")).hasSize(2);
        // same seed, same settings, same history: the same reply again
        assertThat(last.get("content").asText())
                .isEqualTo(before.get(before.size() - 1).get("content").asText());
    }

    @Test
    @Order(5)
    void stopMidReplyStoresItAsPartialAndTheEngineDropsIt() throws Exception {
        alice.find("#new-chat").click();
        alice.await(d -> d.findElement(By.id("chat-title")).getText().equals("New chat") ? Boolean.TRUE : null);
        setField(alice, "set-max_tokens", "");
        setField(alice, "set-system", "");
        traceReplies(alice);
        // braked, the reply is still streaming when Escape reaches the server, however slow the browser
        try (EngineBrake brake = EngineBrake.on(gateway)) {
            send(alice, "One day a big dog");
            alice.await(d -> Boolean.TRUE.equals(alice.js("return window.__trace.some(e => e.busy && e.len > 0);"))
                    ? Boolean.TRUE
                    : null);
            new Actions(alice.driver).sendKeys(Keys.ESCAPE).perform();
            awaitTurnEnd(alice);
        }
        stoppedId = conversationId(alice);
        alice.await(d -> lastReplyInfo(alice).startsWith("Stopped (partial reply saved)") ? Boolean.TRUE : null);
        awaitEngineIdle();
        EngineStats stats = gateway.engine().stats();
        assertThat(stats.runningSequences()).isZero();
        assertThat(stats.waitingSequences()).isZero();
        String metrics = new Http(base).get("/metrics").body();
        assertThat(metrics).containsPattern("(?m)^fairway_requests_running(\\{[^}]*})? 0(\\.0)?$");
        // stored as partial, and the page shows what was stored
        JsonNode last = null;
        for (int i = 0; i < 1200; i++) {
            last = api("alice").lastMessage(stoppedId);
            if (last.get("role").asText().equals("assistant")) break;
            Thread.sleep(50);
        }
        assertThat(last.get("role").asText()).isEqualTo("assistant");
        assertThat(last.get("status").asText()).isEqualTo("partial");
        JsonNode finalLast = last;
        alice.await(d -> finalLast.get("content").asText().equals(lastReplyRaw(alice)) ? Boolean.TRUE : null);
        // far fewer tokens than the ~500 the context allowed
        assertThat(last.get("content").asText().length()).isLessThan(1500);
        alice.screenshot("stopped");

        // reopened, the partial reply says so
        alice.driver.navigate().refresh();
        alice.await(d -> "Stopped early (partial reply)".equals(lastReplyInfo(alice)) ? Boolean.TRUE : null);
    }

    @Test
    @Order(6)
    void renameFilterAndDelete() {
        WebElement item = alice.find(".conversation[data-id='" + storyId + "']");
        item.findElement(By.cssSelector(".rename")).click();
        WebElement input = alice.find(".rename-input");
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Bedtime story", Keys.ENTER);
        alice.await(d -> d.findElement(By.cssSelector(".conversation[data-id='" + storyId + "'] .conversation-title"))
                        .getText()
                        .equals("Bedtime story")
                ? Boolean.TRUE
                : null);
        assertThat(api("alice").conversation(storyId).get("title").asText()).isEqualTo("Bedtime story");
        alice.screenshot("renamed");

        alice.find("#filter").sendKeys("bedtime");
        alice.await(d -> d.findElements(By.cssSelector(".conversation")).size() == 1 ? Boolean.TRUE : null);
        assertThat(alice.find(".conversation").getAttribute("data-id")).isEqualTo(storyId);
        alice.screenshot("filtered");
        alice.find("#filter").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        alice.await(d -> d.findElements(By.cssSelector(".conversation")).size() == 2 ? Boolean.TRUE : null);

        alice.find(".conversation[data-id='" + stoppedId + "'] .delete").click();
        alice.awaitVisible("#confirm-dialog");
        alice.screenshot("confirm-delete");
        alice.find("#confirm-ok").click();
        alice.await(d -> d.findElements(By.cssSelector(".conversation[data-id='" + stoppedId + "']"))
                        .isEmpty()
                ? Boolean.TRUE
                : null);
        assertThat(api("alice").get("/v1/conversations/" + stoppedId).status()).isEqualTo(404);
        assertThat(alice.find("#chat-title").getText()).isEqualTo("New chat");
        // cancelling deletes nothing
        alice.find(".conversation[data-id='" + storyId + "'] .delete").click();
        alice.awaitVisible("#confirm-dialog");
        alice.find("#confirm-cancel").click();
        assertThat(api("alice").get("/v1/conversations/" + storyId).status()).isEqualTo(200);
        alice.screenshot("deleted");
    }

    @Test
    @Order(7)
    void twoUsersInTwoBrowsersDoNotSeeEachOthersConversations() {
        Browser bob = browser("bob", 1280, 900);
        signIn(bob, base, "bob");
        assertThat(bob.all(".conversation")).isEmpty();
        assertThat(bob.find("#list-status").getText()).isEqualTo("No conversations yet.");
        send(bob, "Bob went to the park");
        awaitTurnEnd(bob);
        String bobsId = conversationId(bob);
        bob.screenshot("bob-own-conversation");

        alice.driver.navigate().refresh();
        alice.awaitVisible(".conversation");
        List<String> alicesIds = alice.all(".conversation").stream()
                .map(e -> e.getAttribute("data-id"))
                .toList();
        assertThat(alicesIds).contains(storyId).doesNotContain(bobsId);
        List<String> bobsIds = bob.all(".conversation").stream()
                .map(e -> e.getAttribute("data-id"))
                .toList();
        assertThat(bobsIds).containsExactly(bobsId);
        // even by address: alice cannot open bob's conversation
        alice.open(base + "/#/c/" + bobsId);
        alice.await(
                d -> d.findElement(By.id("chat-notice")).getText().contains("does not exist") ? Boolean.TRUE : null);
        assertThat(alice.find("#messages").getText()).doesNotContain("Bob went to the park");
        alice.screenshot("alice-cannot-open-bobs");
        assertThat(api("alice").get("/v1/conversations/" + bobsId).status()).isEqualTo(404);
        assertThat(api("bob").get("/v1/conversations/" + storyId).status()).isEqualTo(404);

        // sign out: back to the form, nothing kept
        bob.find("#sign-out").click();
        bob.awaitVisible("#signin-name");
        bob.driver.navigate().refresh();
        bob.awaitVisible("#signin-name");
        assertThat(bob.find("#app").isDisplayed()).isFalse();
        bob.screenshot("signed-out");
    }

    @Test
    @Order(8)
    void htmlInMessagesIsShownAsTextAndRunsNothing() {
        alice.open(base + "/");
        alice.awaitVisible("#composer-input");
        alice.js(
                "window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));");
        String attack = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
        alice.find("#new-chat").click();
        setField(alice, "set-max_tokens", "16");
        send(alice, attack);
        awaitTurnEnd(alice);
        String id = conversationId(alice);
        String userText = (String) alice.js("return document.querySelector('#messages .from-user .body').textContent;");
        assertThat(userText).isEqualTo(attack);
        assertThat(api("alice")
                        .conversation(id)
                        .get("messages")
                        .get(0)
                        .get("content")
                        .asText())
                .isEqualTo(attack);

        // a model reply with HTML and Markdown (stored through the API: stories260K writes no HTML)
        String reply = """
                Here is <b>bold</b> HTML and <img src=x onerror="window.__pwned=3"> and <script>window.__pwned=4</script>.

                [a link](javascript:window.__pwned=5) and ![a picture](http://example.com/x.png)

                ```python
                def greet(name):
                    return "hi " + name  # a comment
                ```

                - one
                - two

                | a | b |
                |---|---|
                | 1 | 2 |
                """;
        JsonNode created = api("alice")
                .post(
                        "/v1/conversations",
                        Http.JSON
                                .createObjectNode()
                                .put("title", "Markup")
                                .set(
                                        "items",
                                        Http.JSON
                                                .createArrayNode()
                                                .add(Http.JSON
                                                        .createObjectNode()
                                                        .put("role", "user")
                                                        .put("content", "show me"))
                                                .add(Http.JSON
                                                        .createObjectNode()
                                                        .put("role", "assistant")
                                                        .put("content", reply)))
                                .toString())
                .json();
        alice.open(base + "/#/c/" + created.get("id").asText());
        alice.awaitVisible("#messages .from-model table");
        alice.screenshot("html-as-text");
        assertThat(alice.all("#messages img, #messages script, #messages iframe"))
                .isEmpty();
        String shown = alice.find("#messages .from-model .body").getText();
        assertThat(shown)
                .contains("<b>bold</b>")
                .contains("<img src=x onerror=\"window.__pwned=3\">")
                .contains("<script>");
        assertThat(alice.all("#messages .from-model pre code .hljs-keyword")).isNotEmpty();
        assertThat(alice.all("#messages .from-model ul li")).hasSize(2);
        assertThat(alice.all("#messages .from-model th")).hasSize(2);
        for (WebElement a : alice.all("#messages a")) {
            String href = a.getAttribute("href");
            assertThat(href == null ? "" : href).doesNotStartWith("javascript:");
        }
        assertThat(alice.js("return window.__pwned === undefined;")).isEqualTo(true);
        assertThat(alice.js("return window.__violations;")).asList().isEmpty();
    }

    @Test
    @Order(9)
    void keyboardAloneShiftEnterIsANewLineAndEveryControlHasAName() {
        alice.find("#new-chat").click();
        WebElement input = alice.find("#composer-input");
        input.sendKeys("first line", Keys.chord(Keys.SHIFT, Keys.ENTER), "second line");
        assertThat(input.getDomProperty("value")).isEqualTo("first line\nsecond line");
        assertThat(alice.all("#messages .from-user")).isEmpty();
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        @SuppressWarnings("unchecked")
        List<String> unnamed = (List<String>) alice.js("""
                const named = el => (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.textContent.trim();
                return [...document.querySelectorAll('#app button, #app input, #app select, #app textarea, #app a[href]')]
                  .filter(el => el.offsetParent !== null && !named(el)).map(el => el.outerHTML.slice(0, 80));
                """);
        assertThat(unnamed).isEmpty();
        // Tab from the message box reaches Send next
        input.click();
        new Actions(alice.driver).sendKeys(Keys.TAB).perform();
        assertThat(alice.js("return document.activeElement.id;")).isEqualTo("send");
        // the first stop of the Tab order is the skip link to the message box
        assertThat(alice.js("""
                return [...document.querySelectorAll('a[href], button, input, select, textarea')]
                  .find(el => el.tabIndex >= 0 && !el.closest('[hidden]')).className;""")).isEqualTo("skip-link");
        assertThat(alice.find(".skip-link").getAttribute("href")).endsWith("#composer-input");
    }

    @Test
    @Order(10)
    void longListsPaginate() {
        UserApi carol = api("carol");
        for (int i = 1; i <= 35; i++) {
            assertThat(carol.post("/v1/conversations", "{\"title\":\"Carol " + i + "\"}")
                            .status())
                    .isEqualTo(200);
        }
        Browser b = browser("carol", 1280, 900);
        signIn(b, base, "carol");
        b.await(d -> d.findElements(By.cssSelector(".conversation")).size() == 30 ? Boolean.TRUE : null);
        assertThat(b.find(".conversation-title").getText()).isEqualTo("Carol 35"); // newest first
        assertThat(b.find("#load-more").isDisplayed()).isTrue();
        b.screenshot("first-page");
        b.find("#load-more").click();
        b.await(d -> d.findElements(By.cssSelector(".conversation")).size() == 35 ? Boolean.TRUE : null);
        assertThat(b.find("#load-more").isDisplayed()).isFalse();
        assertThat(b.all(".conversation-title").get(34).getText()).isEqualTo("Carol 1");
        b.screenshot("all-pages");
    }

    @Test
    @Order(11)
    void aMessageTooLongForTheContextIsExplainedInline() {
        alice.find("#new-chat").click();
        String tooLong = "the cat sat on the mat ".repeat(400);
        alice.js("document.getElementById('composer-input').value = arguments[0];", tooLong);
        markTurns(alice);
        alice.find("#composer-input").sendKeys(Keys.ENTER);
        awaitTurnEnd(alice);
        alice.await(d -> d.findElement(By.id("chat-notice")).getText().contains("too long for the model's context")
                ? Boolean.TRUE
                : null);
        assertThat(alice.find("#messages .from-user .info").getText()).isEqualTo("Not sent");
        assertThat(alice.find("#composer-input").getDomProperty("value")).isEqualTo(tooLong);
        alice.screenshot("context-too-long");
        alice.js("document.getElementById('composer-input').value = '';");
    }

    @Test
    @Order(12)
    void narrowScreenHasNoHorizontalScroll() {
        Browser phone = browser("phone-375", 375, 812);
        signIn(phone, base, "alice");
        assertThat(((Number) phone.js("return window.innerWidth;")).intValue()).isEqualTo(375);
        assertNoHorizontalScroll(phone);
        phone.screenshot("list-closed");
        // the conversation with a code block and a table, and a long unbroken word
        String markupId = api("alice")
                .get("/v1/conversations?q=Markup")
                .json()
                .get("data")
                .get(0)
                .get("id")
                .asText();
        phone.open(base + "/#/c/" + markupId);
        phone.awaitVisible("#messages .from-model table");
        phone.find("#composer-input").sendKeys("x".repeat(200));
        assertNoHorizontalScroll(phone);
        phone.screenshot("conversation");
        phone.find("#toggle-sidebar").click();
        phone.awaitVisible("#new-chat");
        assertNoHorizontalScroll(phone);
        phone.screenshot("sidebar-open");
        new Actions(phone.driver).sendKeys(Keys.ESCAPE).perform();
        phone.await(d -> !d.findElement(By.id("new-chat")).isDisplayed() ? Boolean.TRUE : null);
        phone.find("#toggle-settings").click();
        phone.awaitVisible("#set-temperature");
        assertNoHorizontalScroll(phone);
        phone.screenshot("settings-open");
        new Actions(phone.driver).sendKeys(Keys.ESCAPE).perform();
        assertThat(phone.find("#send").isDisplayed()).isTrue();
    }

    static void assertNoHorizontalScroll(Browser b) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) b.js("""
                const d = document.documentElement;
                return {scroll: Math.max(d.scrollWidth, document.body.scrollWidth), width: window.innerWidth,
                        messages: document.getElementById('messages').scrollWidth - document.getElementById('messages').clientWidth};
                """);
        assertThat(((Number) m.get("scroll")).intValue())
                .as("page width")
                .isLessThanOrEqualTo(((Number) m.get("width")).intValue());
        assertThat(((Number) m.get("messages")).intValue())
                .as("message list overflow")
                .isLessThanOrEqualTo(0);
    }

    @Test
    @Order(13)
    void aLongReplyRendersIncrementallyWithoutBlockingThePage() {
        // 2,000 tokens of Markdown (paragraphs, lists, code) fed as a stream at ~1,000 tokens/s into the page's
        // renderer
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) alice.asyncJs("""
                const done = arguments[arguments.length - 1];
                import('/assets/render.js').then(async ({ MarkdownView, renderMarkdown }) => {
                  const words = [];
                  for (let i = 0; i < 2000; i++) {
                    if (i % 120 === 0) words.push('\\n\\n## Part ' + i + '\\n\\n');
                    else if (i % 200 === 50) words.push('\\n\\n```js\\nconst x = ' + i + ';\\nfunction f(a) { return a * 2; }\\n```\\n\\n');
                    else if (i % 90 === 30) words.push('\\n- item ' + i + '\\n- item ' + (i + 1) + '\\n\\n');
                    else words.push(' word' + i);
                  }
                  const el = document.createElement('div');
                  el.className = 'markdown';
                  document.getElementById('messages').append(el);
                  const view = new MarkdownView(el);
                  // how much source a render leaves live (re-parsed by the next one): incremental rendering keeps it to
                  // the last blocks, however many tokens arrive between two frames
                  const renderOnce = view.render.bind(view);
                  let renders = 0, maxLive = 0;
                  view.render = () => { renderOnce(); renders++; maxLive = Math.max(maxLive, view.src.length - view.frozenLength); };
                  const longTasks = [];
                  const obs = new PerformanceObserver(list => list.getEntries().forEach(e => longTasks.push(e.duration)));
                  obs.observe({ type: 'longtask', buffered: false });
                  let maxGap = 0, last = performance.now(), frames = 0, running = true;
                  const tick = t => { maxGap = Math.max(maxGap, t - last); last = t; frames++; if (running) requestAnimationFrame(tick); };
                  requestAnimationFrame(tick);
                  const start = performance.now();
                  for (let i = 0; i < words.length; i += 5) {
                    for (let j = i; j < Math.min(i + 5, words.length); j++) view.append(words[j]);
                    await new Promise(res => setTimeout(res, 5));
                  }
                  const streamed = performance.now() - start;
                  view.finish();
                  running = false;
                  const reference = document.createElement('div');
                  renderMarkdown(reference, words.join(''));
                  obs.disconnect();
                  const same = reference.innerHTML === el.innerHTML;
                  el.remove();
                  done({ streamed, frames, maxGap, longTasks: longTasks.length, worst: Math.max(0, ...longTasks), same,
                         renders, maxLive, total: words.join('').length });
                });
                """);
        System.out.println("2,000-token render: " + r);
        assertThat(r.get("same")).as("final render equals a fresh render").isEqualTo(true);
        // incremental, whatever the machine's speed: many renders, each leaving only a small tail of the text live
        assertThat(((Number) r.get("renders")).intValue()).isGreaterThan(10);
        assertThat(((Number) r.get("maxLive")).intValue())
                .as("most source a render left live")
                .isLessThan(((Number) r.get("total")).intValue() / 4);
        // and the page keeps painting: a single stall of a loaded machine's browser stays well under these (~30 ms
        // measured with the machine's load at 12)
        assertThat(((Number) r.get("worst")).doubleValue())
                .as("longest task ms")
                .isLessThan(1000);
        assertThat(((Number) r.get("maxGap")).doubleValue())
                .as("longest gap between frames ms")
                .isLessThan(1000);
        assertThat(((Number) r.get("frames")).intValue()).isGreaterThan(10);
    }

    @Test
    @Order(14)
    void enterToFirstVisibleTokenMedianOf20() throws IOException {
        alice.find("#new-chat").click();
        setField(alice, "set-max_tokens", "8");
        setField(alice, "set-system", "");
        send(alice, "Hello");
        awaitTurnEnd(alice);
        alice.js("""
                window.__ttft = { enter: null, first: null };
                document.addEventListener('keydown', e => {
                  if (e.key === 'Enter' && !e.shiftKey && e.target.id === 'composer-input') window.__ttft = { enter: performance.now(), first: null };
                }, true);
                const box = document.getElementById('messages');
                new MutationObserver(() => {
                  const t = window.__ttft;
                  if (t.enter === null || t.first !== null) return;
                  const r = [...box.querySelectorAll('.from-model')].pop();
                  if (r && r.getAttribute('aria-busy') === 'true' && r.querySelector('.body').textContent.trim().length > 0) t.first = performance.now();
                }).observe(box, { subtree: true, childList: true, characterData: true });
                """);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            send(alice, "Tell me more " + i);
            awaitTurnEnd(alice);
            Number v = (Number) alice.js("return window.__ttft.first - window.__ttft.enter;");
            assertThat(v).isNotNull();
            ms.add(v.doubleValue());
        }
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        double median = (sorted.get(9) + sorted.get(10)) / 2;
        String line = String.format(
                "Web chat, stories260K: Enter to first visible token, median of 20 = %.1f ms (min %.1f, max %.1f); all: %s",
                median,
                sorted.get(0),
                sorted.get(19),
                ms.stream().map(d -> String.format("%.1f", d)).toList());
        System.out.println(line);
        System.err.println(line);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "web-chat-ttft.txt"), line + "\n");
        alice.screenshot("ttft-runs");
        assertThat(median).isLessThan(1000);
    }

    @Test
    @Order(15)
    void copyAndAppearance() {
        alice.open(base + "/#/c/" + storyId);
        alice.await(d -> d.findElements(By.cssSelector("#messages .from-model")).size() == 2 ? Boolean.TRUE : null);
        // Copy puts the reply's text on the clipboard: paste it into the message box
        WebElement copy = alice.find("#messages .from-model:last-child .copy");
        copy.click();
        alice.await(d -> copy.getText().equals("Copied") ? Boolean.TRUE : null);
        WebElement input = alice.find("#composer-input");
        input.click();
        input.sendKeys(Keys.chord(Keys.CONTROL, "v"));
        assertThat(input.getDomProperty("value")).isEqualTo(lastReplyRaw(alice));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);

        // colours and theme are kept in this browser, across reloads
        alice.js(
                "const c = document.getElementById('set-user-color'); c.value = '#ffd6a5'; c.dispatchEvent(new Event('input'));");
        new org.openqa.selenium.support.ui.Select(alice.find("#set-theme")).selectByValue("dark");
        alice.driver.navigate().refresh();
        alice.awaitVisible("#messages .from-user");
        assertThat(alice.js("return document.documentElement.dataset.theme;")).isEqualTo("dark");
        assertThat(alice.js("return getComputedStyle(document.querySelector('#messages .from-user')).backgroundColor;"))
                .isEqualTo("rgb(255, 214, 165)");
        alice.screenshot("dark-theme");
        alice.find("#reset-colors").click();
        new org.openqa.selenium.support.ui.Select(alice.find("#set-theme")).selectByValue("light");
        assertThat(alice.js("return document.documentElement.dataset.theme;")).isEqualTo("light");
    }

    @Test
    @Order(16)
    void readmeScreenshot() throws IOException {
        alice.open(base + "/#/c/" + storyId);
        alice.await(d -> d.findElements(By.cssSelector("#messages .from-model")).size() == 2 ? Boolean.TRUE : null);
        send(alice, "Tom and the moon");
        awaitTurnEnd(alice);
        Path shot = alice.screenshot("readme");
        Files.copy(shot, Browser.SHOTS.resolve("web-chat.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    @Order(100)
    void thePageRequestedNothingFromAnyOtherHost() {
        List<String> foreign = new ArrayList<>();
        int total = 0;
        for (Browser b : browsers) {
            List<String> urls = b.requestedUrls();
            total += urls.size();
            for (String u : urls) {
                // chrome:, data:, about: are the browser's own; anything that goes over a network must be the server
                boolean network = u.matches("(?i)^(https?|wss?|ftp)://.*");
                if (network && !u.startsWith(base + "/")) foreign.add(u);
            }
        }
        assertThat(total).as("requests seen").isGreaterThan(50);
        assertThat(foreign).isEmpty();
    }
}
