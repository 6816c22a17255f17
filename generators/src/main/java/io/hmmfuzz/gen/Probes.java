package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Divergence;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls that decide a capability, tried as programs against the model. A target's capabilities
 * come from independent evidence (statx, the mount, the filesystem's features); these programs then
 * ask the kernel, and the model, parametrised by that evidence, says what the kernel must answer. A
 * kernel that answers otherwise (accepts MAP_SYNC on a file that is not DAX, refuses a reflink its
 * filesystem has) has a finding whose reproducer is the probe itself, not a new capability.
 */
public final class Probes {
  private Probes() {}

  /** One probe: the capability it tries and the program that tries it. */
  public record Probe(String capability, Program program) {}

  /** A probe whose program diverged: the kernel contradicts the rule that decides the capability. */
  public record Contradiction(Probe probe, Divergence divergence) {}

  public static List<Probe> of(Capabilities caps) {
    String page = "0x" + Integer.toHexString(caps.pageSize());
    List<Probe> out = new ArrayList<>();
    out.add(probe("MAP_SYNC", "open f0 size=" + page + "\nmmap m0 file=f0 offset=0x0 length=" + page
        + " prot=rw sharing=shared sync=true\n"));
    out.add(probe("reflink", "open f0 size=" + page + "\nopen f1 size=" + page + "\nclone f1 src=f0\n"));
    out.add(probe("zero range", "open f0 size=" + page + "\nzero-range f0 offset=0x0 length=" + page
        + " keepSize=true\n"));
    return out;
  }

  private static Probe probe(String capability, String text) {
    try {
      return new Probe(capability, ProgramText.parse(text, "probe " + capability));
    } catch (ReproducerSyntaxException e) {
      throw new IllegalStateException("probe program of " + capability + " does not parse", e);
    }
  }

  /** Runs every probe on {@code target} with every view checked after every op: the contradictions. */
  public static List<Contradiction> run(Target target) {
    Runner runner = new Runner(target, 1);
    List<Contradiction> out = new ArrayList<>();
    for (Probe p : of(target.capabilities())) {
      RunResult r = runner.run(p.program());
      if (r.diverged()) {
        out.add(new Contradiction(p, r.divergence()));
      }
    }
    return out;
  }
}
