package dev.fairway.bench.engine;

import java.util.Random;

/** Word-salad chat text of a given token length for the fairness bench's conversation scenario. */
final class FairnessText {
    private FairnessText() {}

    private static final String[] WORDS = ("the a little cat dog bird tree house river mountain city garden ship train "
                    + "old new big small red blue green happy quiet bright dark warm cold fast slow good strange friendly "
                    + "runs walks sees finds builds paints sings reads writes opens closes carries watches remembers "
                    + "over under near behind across through into from with without after before during and but so "
                    + "morning evening night summer winter story song letter window door road bridge market school")
            .split(" ");

    static String words(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(i % 12 == 0 ? ". " : " ");
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** One sentence of 12 words ending with a period. */
    static String sentence(Random rnd) {
        String w = words(rnd, 12);
        return Character.toUpperCase(w.charAt(0)) + w.substring(1) + ".";
    }
}
