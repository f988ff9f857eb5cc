package dev.fairway.engine.model;

/** The model folder holds an architecture this engine cannot run (Engine.open reports it as an invalid "model"). */
public class UnsupportedModelException extends IllegalArgumentException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
