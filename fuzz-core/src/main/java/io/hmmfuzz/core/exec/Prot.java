package io.hmmfuzz.core.exec;

import java.util.Locale;

/** Protections the fuzzer uses for mappings (PROT_EXEC is out of scope). */
public enum Prot {
  NONE, READ, READ_WRITE;

  public boolean readable() {
    return this != NONE;
  }

  public boolean writable() {
    return this == READ_WRITE;
  }

  public String id() {
    return switch (this) {
      case NONE -> "none";
      case READ -> "r";
      case READ_WRITE -> "rw";
    };
  }

  public static Prot parse(String s) {
    for (Prot p : values()) {
      if (p.id().equals(s) || p.name().toLowerCase(Locale.ROOT).equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("expected none, r or rw");
  }
}
