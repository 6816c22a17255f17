package io.hmmfuzz.core.op;

/** Resolves a mapping of a program to the mmap op that creates it (mappings are created once). */
@FunctionalInterface
public interface Layout {
  Mmap mmapOf(MapId id);
}
