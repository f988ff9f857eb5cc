package dev.fairway.cli.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What the terminal client sends besides the body: who it is, and the conversation for affinity routing. */
class ApiClientTest {
    @Test
    void conversationRequestsCarryXConversationIdForTheLoadBalancer() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            seen.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " conversation="
                    + x.getRequestHeaders().getFirst("X-Conversation-Id") + " user="
                    + x.getRequestHeaders().getFirst("X-Fairway-User"));
            byte[] b = "{\"id\":\"conv_1\",\"title\":\"t\",\"metadata\":{},\"messages\":[],\"data\":[]}"
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        try {
            ApiClient api =
                    new ApiClient("http://127.0.0.1:" + server.getAddress().getPort(), null, "ann");
            api.conversation("conv_1");
            api.delete("conv_1");
            api.models();
            assertThat(seen)
                    .containsExactly(
                            "GET /v1/conversations/conv_1 conversation=conv_1 user=ann",
                            "DELETE /v1/conversations/conv_1 conversation=conv_1 user=ann",
                            "GET /v1/models conversation=null user=ann");
        } finally {
            server.stop(0);
        }
    }
}
