package io.hmmfuzz.core.exec;

/** MAP_SHARED or MAP_PRIVATE. */
public enum Sharing {
  SHARED, PRIVATE
}
