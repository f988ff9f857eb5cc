package dev.fairway.engine.grammar;

/** One piece of a compiled grammar. Nodes compare by identity; a grammar is a graph of them (refs make cycles). */
abstract class Node {
    /** The frame that starts reading this node. */
    abstract Frame start();

    /** The fewest bytes this node can be written in (cycles count as {@link Nodes#INF}). */
    abstract int minLen();
}
