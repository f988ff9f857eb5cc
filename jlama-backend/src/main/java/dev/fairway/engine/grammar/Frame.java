package dev.fairway.engine.grammar;

import java.util.List;

/** A position inside one grammar node: what may come next there. Frames are values (records): equal means same. */
sealed interface Frame permits Frame.Consuming, Frame.Expanding {
    /** The fewest bytes that finish this frame. */
    int minRemaining();

    /** A frame that reads bytes itself (a literal, a string, a number, whitespace). */
    non-sealed interface Consuming extends Frame {
        /** The frame after byte b (0..255): {@link #DONE} when b finished it, null when b cannot come here. */
        Frame feed(int b);

        /** Whether the frame may end here without reading more (a number's digits, optional whitespace). */
        boolean canEnd();
    }

    /** A frame that stands for one or more sequences of frames (a sequence, a choice, object members). */
    non-sealed interface Expanding extends Frame {
        /** Adds to out each stack this frame can become, pushed onto rest. */
        void expand(Stack rest, List<Stack> out);
    }

    /** What feed returns when the byte finished the frame. */
    Consuming DONE = new Consuming() {
        @Override
        public Frame feed(int b) {
            return null;
        }

        @Override
        public boolean canEnd() {
            return true;
        }

        @Override
        public int minRemaining() {
            return 0;
        }
    };
}
