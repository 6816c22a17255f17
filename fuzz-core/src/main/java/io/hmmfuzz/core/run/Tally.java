package io.hmmfuzz.core.run;

import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.Op;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often each op kind ended in each outcome ("load:SIGBUS", "reflink:EINVAL", "store:ok"), so a
 * campaign shows which paths it actually exercised on the kernel.
 */
public final class Tally {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  public Tally() {}

  /** A tally that goes on from {@code counts} (a resumed campaign's). */
  public Tally(Map<String, Long> counts) {
    counts.forEach((k, v) -> this.counts.computeIfAbsent(k, x -> new LongAdder()).add(v));
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

  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
