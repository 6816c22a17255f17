package io.hmmfuzz.core.op;

/** A test_hmm command over {@code pages} pages at {@code offset} of a mapping. */
public interface DevicePages {
  MapId map();

  long offset();

  int pages();
}
