package io.hmmfuzz.core;

/** What a CPU access through a mapping can end in. */
public enum Signal {
  /** The access completed. */
  NONE,
  /** The page is wholly beyond EOF (or the fault handler failed): mmap(2) "SIGBUS". */
  SIGBUS,
  /** No VMA, or the VMA's protection forbids the access: mmap(2) "SIGSEGV". */
  SIGSEGV
}
