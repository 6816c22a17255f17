package io.hmmfuzz.gen;

import io.hmmfuzz.core.op.OpKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Named op weights for generation (fsx's per-class switches, as data), plus how often an argument is
 * made deliberately invalid to exercise error paths.
 *
 * @param name           the profile's name
 * @param weights        relative weight per op kind (0 disables it)
 * @param invalidPercent percent of arguments chosen to be invalid
 * @param maxOps         ops per program
 */
public record Profile(String name, Map<OpKind, Integer> weights, int invalidPercent, int maxOps) {
  public Profile {
    weights = Collections.unmodifiableMap(new EnumMap<>(weights));
  }

  /** Every kind at its default weight ({@link OpKind#defaultWeight}). */
  private static Map<OpKind, Integer> base() {
    Map<OpKind, Integer> w = new EnumMap<>(OpKind.class);
    for (OpKind k : OpKind.values()) {
      w.put(k, k.defaultWeight());
    }
    return w;
  }

  /** Balanced: every op kind. */
  public static Profile standard() {
    return new Profile("default", base(), 5, 40);
  }

  /** Around EOF: truncation, stores and loads near the end of files, extension by every means. */
  public static Profile eof() {
    Map<OpKind, Integer> w = base();
    w.put(OpKind.FTRUNCATE, 20);
    w.put(OpKind.STORE, 20);
    w.put(OpKind.LOAD, 18);
    w.put(OpKind.MSYNC, 6);
    w.put(OpKind.FSYNC, 5);
    w.put(OpKind.REFLINK, 2);
    return new Profile("eof", w, 5, 40);
  }

  /** Reflink and clone into mapped destinations. */
  public static Profile reflink() {
    Map<OpKind, Integer> w = base();
    w.put(OpKind.REFLINK, 22);
    w.put(OpKind.CLONE, 8);
    w.put(OpKind.PUNCH_HOLE, 2);
    w.put(OpKind.ZERO_RANGE, 2);
    return new Profile("reflink", w, 5, 40);
  }

  /**
   * The device mirrors against the CPU page table: device reads, writes, snapshots, migration, exclusive
   * access and the release of a device's memory, through two devices that compete for the same pages,
   * with the mprotect, forks and private copies that change what a device may hold (anonymous mappings,
   * which migrate, are generated often wherever test_hmm is: {@code Mmap.generate}), and drop_caches,
   * which must leave every mirrored page in place (R120; only in a guest, {@link ProgramGenerator}).
   * Without test_hmm these weights are not used (see {@link ProgramGenerator}).
   */
  public static Profile device() {
    Map<OpKind, Integer> w = base();
    w.put(OpKind.DREAD, 14);
    w.put(OpKind.DWRITE, 14);
    w.put(OpKind.SNAPSHOT, 8);
    w.put(OpKind.MIGRATE, 14);
    w.put(OpKind.MIGRATE_BACK, 6);
    w.put(OpKind.EXCLUSIVE, 8);
    w.put(OpKind.CHECK_EXCLUSIVE, 6);
    w.put(OpKind.RELEASE, 3);
    w.put(OpKind.MPROTECT, 5);
    w.put(OpKind.FORK, 4);
    w.put(OpKind.DROP_CACHES, 2);
    return new Profile("device", w, 5, 40);
  }

  /** Mostly invalid arguments: errno paths. */
  public static Profile errors() {
    return new Profile("errors", base(), 40, 30);
  }

  public static List<Profile> all() {
    return List.of(standard(), eof(), reflink(), device(), errors());
  }

  public static Profile named(String name) {
    for (Profile p : all()) {
      if (p.name.equals(name.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    List<String> names = new ArrayList<>();
    for (Profile p : all()) {
      names.add(p.name);
    }
    throw new IllegalArgumentException("unknown profile '" + name + "', expected one of " + String.join(", ", names));
  }

  /** This profile with the given ops never generated (weight 0). */
  public Profile without(java.util.Collection<OpKind> ops) {
    Map<OpKind, Integer> w = new EnumMap<>(weights);
    List<String> names = new ArrayList<>();
    for (OpKind k : ops) {
      w.put(k, 0);
      names.add(k.id());
    }
    return ops.isEmpty() ? this : new Profile(name + "-without-" + String.join("-", names), w, invalidPercent, maxOps);
  }

  public int weight(OpKind k) {
    return weights.getOrDefault(k, 0);
  }
}
