package dev.fairway.bench.loadgen;

import java.util.Random;

/** Text of about N tokens: N common English words, most of which are one token in BPE vocabularies. */
final class WordText {
    private static final String[] WORDS =
            ("the of and to in is was for on that with as it by at from he his an be this are or which had not but have"
                            + " one you were her all she there they their we can has been if more when will would who so no time day"
                            + " year way man old new good little long great small big first last own other right high each few next"
                            + " house world life hand part child eye place work week case point home water room city name school story"
                            + " fact book word side kind head car door line game tree boy girl sun sea road bird dog cat fish king")
                    .split(" ");

    private WordText() {}

    static String generate(int words, Random random) {
        StringBuilder sb = new StringBuilder(words * 5);
        for (int i = 0; i < words; i++) {
            if (i > 0) sb.append(' ');
            sb.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
