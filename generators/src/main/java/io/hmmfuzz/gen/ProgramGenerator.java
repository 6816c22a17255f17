package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Generation;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random programs that know the program's state: a model runs alongside generation, so that
 * each op kind's generator (beside its rule, {@link OpKind#generate}) knows which files and mappings
 * exist and how big files are. Most ops are valid and aim at interesting places (page boundaries, EOF,
 * the EOF page's tail, block alignment); a profile-set share of arguments is deliberately invalid.
 * The same seed and profile give the same program.
 */
public final class ProgramGenerator {
  private final Profile profile;
  private final Capabilities caps;
  private final boolean forks;
  private final boolean ownsKernel;

  /** Programs with fork and without system-wide ops (the local kernel's: {@code bench throughput}'s floor). */
  public ProgramGenerator(Profile profile, Capabilities caps) {
    this(profile, caps, true);
  }

  /**
   * Programs without system-wide ops ({@link OpKind#systemWide}), which only a kernel the tool owns may
   * run.
   *
   * @param forks whether the target's executor can fork (ops of a child process are generated only there)
   */
  public ProgramGenerator(Profile profile, Capabilities caps, boolean forks) {
    this(profile, caps, forks, false);
  }

  /**
   * @param forks      whether the target's executor can fork (ops of a child process are generated only there)
   * @param ownsKernel whether the kernel is the tool's own, a guest it booted ({@code Target.ownsKernel}):
   *                   system-wide ops (drop-caches) are generated only there
   */
  public ProgramGenerator(Profile profile, Capabilities caps, boolean forks, boolean ownsKernel) {
    this.profile = profile;
    this.caps = caps;
    this.forks = forks;
    this.ownsKernel = ownsKernel;
  }

  public Program generate(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Model model = new Model(caps);
    List<Op> ops = new ArrayList<>();
    int files = 0;
    int maps = 0;
    for (int i = 0; i < profile.maxOps(); i++) {
      Generation g = new Generation(rng, model, caps, profile.invalidPercent(), files, maps);
      Op op = null;
      for (int attempt = 0; attempt < 20 && op == null; attempt++) {
        op = pick(rng).generate(g);
      }
      if (op == null) {
        op = new Open(g.nextFile(), g.fileSize());
      }
      if (op.makes() instanceof FileId) {
        files++;
      } else if (op.makes() instanceof MapId) {
        maps++;
      }
      op.model(model, i);
      ops.add(op);
    }
    return new Program(ops);
  }

  private int weight(OpKind k) {
    return k.device() && !caps.testHmm() || k.childProcess() && !forks || k.systemWide() && !ownsKernel ? 0
        : profile.weight(k);
  }

  private OpKind pick(SplittableRandom rng) {
    int total = 0;
    for (OpKind k : OpKind.values()) {
      total += weight(k);
    }
    int r = rng.nextInt(total);
    for (OpKind k : OpKind.values()) {
      r -= weight(k);
      if (r < 0) {
        return k;
      }
    }
    throw new IllegalStateException();
  }
}
