package dev.fairway.bench.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.gateway.http.Json;
import dev.fairway.testkit.Stats;
import java.util.ArrayList;
import java.util.List;

/**
 * TTFT without queueing: one request at a time on an idle engine, in-process and over HTTP in pairs whose order
 * flips each time. At 16 streams TTFT is mostly the wait behind other streams' steps; here the per-pair
 * difference is what the gateway itself adds to a request.
 */
final class IdleTtft {
    record Result(List<Long> direct, List<Long> http, List<Long> added) {
        double directP50Ms() {
            return Stats.percentile(direct, 50) / 1e6;
        }

        double httpP50Ms() {
            return Stats.percentile(http, 50) / 1e6;
        }

        double addedP50Ms() {
            return Stats.percentile(added, 50) / 1e6;
        }

        double addedP90Ms() {
            return Stats.percentile(added, 90) / 1e6;
        }

        /**
         * A distribution-free 95% confidence interval of the median added TTFT: the order statistics at ranks
         * n/2 -+ 0.98 sqrt(n). The engine's own run-to-run noise is in every pair, so this says how sure the p50 is.
         */
        double[] addedP50Ci95Ms() {
            List<Long> sorted = new ArrayList<>(added);
            sorted.sort(null);
            int n = sorted.size();
            if (n == 0) return new double[] {Double.NaN, Double.NaN};
            int half = (int) Math.ceil(0.98 * Math.sqrt(n));
            return new double[] {
                sorted.get(Math.max(0, n / 2 - half)) / 1e6, sorted.get(Math.min(n - 1, n / 2 + half)) / 1e6
            };
        }

        ObjectNode toJson() {
            return Json.object()
                    .put("samples", added.size())
                    .put("in_process_p50_ms", round(directP50Ms()))
                    .put("http_p50_ms", round(httpP50Ms()))
                    .put("added_p50_ms", round(addedP50Ms()))
                    .put("added_p50_ci95_low_ms", round(addedP50Ci95Ms()[0]))
                    .put("added_p50_ci95_high_ms", round(addedP50Ci95Ms()[1]))
                    .put("added_p90_ms", round(addedP90Ms()));
        }

        private static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }

    private IdleTtft() {}

    /**
     * A single stream of short requests; the HTTP side keeps one connection, as a pooling client would. First come
     * {@code warmup} unrecorded pairs of one-token requests (same code paths, one step each): a server that has run
     * a while has its per-request code compiled by C2, which takes thousands of calls; with 200 warm-up pairs the
     * gateway added ~2.1 ms, with 3,000 about half that.
     */
    static Result measure(StreamLoad warm, StreamLoad single, Engine engine, String baseUrl, int warmup, int samples)
            throws Exception {
        List<Long> direct = new ArrayList<>(),
                http = new ArrayList<>(),
                added = new ArrayList<>(),
                unused = new ArrayList<>();
        try (StreamLoad.Stream warmLocal = warm.direct(engine);
                StreamLoad.Stream warmRemote =
                        warm.http().open(baseUrl, warm.http().requestBody(baseUrl))) {
            for (int i = 0; i < warmup; i++) {
                warmLocal.run(new ArrayList<>(), unused);
                warmRemote.run(new ArrayList<>(), unused);
            }
        }
        try (StreamLoad.Stream local = single.direct(engine);
                StreamLoad.Stream remote =
                        single.http().open(baseUrl, single.http().requestBody(baseUrl))) {
            for (int i = 0; i < samples; i++) {
                List<Long> d = new ArrayList<>(1), h = new ArrayList<>(1);
                if (i % 2 == 0) {
                    local.run(d, unused);
                    remote.run(h, unused);
                } else {
                    remote.run(h, unused);
                    local.run(d, unused);
                }
                if (d.isEmpty() || h.isEmpty()) continue; // no text token at all: nothing to compare
                direct.add(d.getFirst());
                http.add(h.getFirst());
                added.add(h.getFirst() - d.getFirst());
            }
        }
        return new Result(direct, http, added);
    }
}
