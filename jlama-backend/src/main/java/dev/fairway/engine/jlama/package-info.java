/**
 * Everything that touches jlama (0.8.4), which the engine uses only to read safetensors, tokenize and download models:
 * the rest of the engine sees our own types ({@link dev.fairway.engine.kernels.WeightMatrix},
 * {@link dev.fairway.engine.text.BpeTokenizer}, a folder {@link java.nio.file.Path}).
 */
package dev.fairway.engine.jlama;
