package io.hmmfuzz.core.run;

import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Pages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often each op kind ended in each outcome ("load:SIGBUS", "reflink:EINVAL", "store:ok"), so a
 * campaign shows which paths it actually exercised on the kernel; and in how many programs each ordered
 * pair of op kinds met on the same pages of a file or anonymous mapping ({@link #met}: a truncate after a
 * device read of the same file pages), so it shows which interactions it never tried.
 */
public final class Tally {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Map<String, LongAdder>> met = new ConcurrentHashMap<>();

  public Tally() {}

  /** A tally that goes on from {@code counts} (a resumed campaign's). */
  public Tally(Map<String, Long> counts) {
    this(counts, Map.of());
  }

  /** A tally that goes on from a resumed campaign's outcome counts and meetings. */
  public Tally(Map<String, Long> counts, Map<String, Map<String, Long>> met) {
    counts.forEach((k, v) -> this.counts.computeIfAbsent(k, x -> new LongAdder()).add(v));
    met.forEach((first, row) -> row.forEach((then, n) -> cell(first, then).add(n)));
  }

  public void add(Op op, Outcome o) {
    String what = switch (o.status()) {
      case OK -> "ok";
      case ERROR -> o.errno().name();
      case SIGNAL -> o.signal().name();
      case NOT_LIVE -> "not-live";
    };
    counts.computeIfAbsent(op.tallyName() + ":" + what, k -> new LongAdder()).increment();
  }

  /**
   * Counts the pairs of op kinds that met in {@code program}, of its first {@code outcomes.size()} ops:
   * an op meets a later one when their {@link Op#pages} share a page. Only ops that reached their pages
   * count: ended OK or with a signal (a load's SIGBUS past EOF is the truncate it met); an errno or a
   * mapping no longer live may have stopped the op before any page. Each pair counts once per program.
   */
  public void program(Program program, List<Outcome> outcomes) {
    List<Op> ops = new ArrayList<>();
    List<List<Pages>> pages = new ArrayList<>();
    List<List<Pages>> all = program.pages();
    for (int i = 0; i < outcomes.size() && i < program.size(); i++) {
      Outcome.Status s = outcomes.get(i).status();
      if (s == Outcome.Status.OK || s == Outcome.Status.SIGNAL) {
        List<Pages> p = all.get(i);
        if (!p.isEmpty()) {
          ops.add(program.op(i));
          pages.add(p);
        }
      }
    }
    java.util.Set<List<String>> seen = new java.util.HashSet<>();
    for (int j = 1; j < ops.size(); j++) {
      for (int i = 0; i < j; i++) {
        List<String> pair = List.of(ops.get(i).kind().id(), ops.get(j).kind().id());
        if (!seen.contains(pair) && meet(pages.get(i), pages.get(j))) {
          seen.add(pair);
          cell(pair.get(0), pair.get(1)).increment();
        }
      }
    }
  }

  private static boolean meet(List<Pages> a, List<Pages> b) {
    for (Pages x : a) {
      for (Pages y : b) {
        if (x.meets(y)) {
          return true;
        }
      }
    }
    return false;
  }

  private LongAdder cell(String first, String then) {
    return met.computeIfAbsent(first, k -> new ConcurrentHashMap<>()).computeIfAbsent(then, k -> new LongAdder());
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Per op kind, the kinds that met it later on the same pages, with the programs they met in. */
  public Map<String, Map<String, Long>> met() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    met.forEach((first, row) -> row.forEach((then, n) -> out.computeIfAbsent(first, k -> new TreeMap<>()).put(then, n.sum())));
    return out;
  }

  /** {@code a} and {@code b}'s meetings added up (boots of one campaign, shards, workers). */
  public static Map<String, Map<String, Long>> sum(Map<String, Map<String, Long>> a, Map<String, Map<String, Long>> b) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (Map<String, Map<String, Long>> m : List.of(a, b)) {
      m.forEach((first, row) -> row.forEach((then, n) -> out.computeIfAbsent(first, k -> new TreeMap<>()).merge(then, n, Long::sum)));
    }
    return out;
  }
}
