package io.hmmfuzz.gen;

import java.util.ArrayList;
import java.util.List;

/**
 * A campaign's course over time, for the report's plots: a sample of its totals at each status, at most
 * {@link #MAX} of them. When full, every other sample goes (the first and the latest stay) and samples
 * are taken half as often, so an overnight campaign's summary stays small and spans the whole night.
 *
 * @param samples in time order
 * @param every   the least seconds between two samples kept
 */
public record Progress(List<Sample> samples, double every) {
  public static final int MAX = 400;
  public static final Progress NONE = new Progress(List.of(), 0);

  /** The totals {@code seconds} into the campaign. */
  public record Sample(double seconds, long programs, long ops, int findings) {}

  public Progress {
    samples = samples == null ? List.of() : List.copyOf(samples);
  }

  /** This course with {@code s} after it (or in place of the latest, where it comes too soon after it). */
  public Progress plus(Sample s) {
    List<Sample> out = new ArrayList<>(samples);
    if (out.size() >= 2 && s.seconds() - out.get(out.size() - 2).seconds() < every) {
      out.set(out.size() - 1, s); // the latest is kept up to date until the next is due
      return new Progress(out, every);
    }
    out.add(s);
    double e = every;
    while (out.size() > MAX) {
      List<Sample> half = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) {
        if (i % 2 == 0 || i == out.size() - 1) {
          half.add(out.get(i));
        }
      }
      out = half;
      e = Math.max(e * 2, 1);
    }
    return new Progress(out, e);
  }

  /**
   * Courses of parts that ran side by side (shards, workers) as one: at each part's sample time, the sum
   * of every part's totals by then, each part's programs and ops read between its two samples around
   * that time on the line that joins them (its latest sample alone would lag by up to a status interval
   * and make the sum a sawtooth whose rate spikes), its findings as of its latest sample. A signature
   * two parts both found counts once in the merge: the summed findings are at most {@code distinct}.
   */
  public static Progress sum(List<Progress> parts, int distinct) {
    java.util.TreeSet<Double> times = new java.util.TreeSet<>();
    parts.forEach(p -> p.samples().forEach(s -> times.add(s.seconds())));
    Progress out = NONE;
    for (double t : times) {
      double programs = 0;
      double ops = 0;
      int findings = 0;
      for (Progress p : parts) {
        Sample before = null;
        Sample after = null;
        for (Sample s : p.samples()) {
          if (s.seconds() <= t) {
            before = s;
          } else if (after == null) {
            after = s;
          }
        }
        if (before == null) {
          continue; // the part had not started its course yet
        }
        double f = after == null || after.seconds() == before.seconds() ? 0
            : (t - before.seconds()) / (after.seconds() - before.seconds());
        programs += before.programs() + f * ((after == null ? before : after).programs() - before.programs());
        ops += before.ops() + f * ((after == null ? before : after).ops() - before.ops());
        findings += before.findings();
      }
      out = out.plus(new Sample(t, Math.round(programs), Math.round(ops), Math.min(findings, distinct)));
    }
    return out;
  }
}
