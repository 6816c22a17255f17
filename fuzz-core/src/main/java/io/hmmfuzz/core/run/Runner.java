package io.hmmfuzz.core.run;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.DeviceMemory;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.Views;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.DevicePages;
import io.hmmfuzz.core.op.DeviceRead;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

/**
 * Runs a program on a target and on the model in lockstep. After each op the op's own outcome is
 * compared; every {@code viewEvery} ops (0: never) and after the last, every view is compared too: each file's
 * size and bytes, and each live readable mapping page by page through CPU loads. The first mismatch is
 * the run's {@link Divergence}. On a target that queues programs, the program a campaign runs next is
 * started before the current one is checked ({@link #run(Program, Program)}).
 */
public final class Runner implements AutoCloseable {
  private final Target target;
  private final int viewEvery;
  private final Tally tally;
  private final ObjIntConsumer<Program> onStart;
  private final Target.Mirror mirror;
  /** The program started ahead of the one being checked (on a target that queues programs), or null. */
  private Started ahead;

  public Runner(Target target, int viewEvery) {
    this(target, viewEvery, null);
  }

  /** A runner that also counts each op's actual outcome in {@code tally}. */
  public Runner(Target target, int viewEvery, Tally tally) {
    this(target, viewEvery, tally, null);
  }

  /**
   * As above; {@code onStart} (may be null) sees every program just before it runs, with this runner's
   * view interval (a program that hangs the kernel is replayed as it ran).
   */
  public Runner(Target target, int viewEvery, Tally tally, ObjIntConsumer<Program> onStart) {
    this(target, viewEvery, tally, onStart, Target.Mirror.FRESH);
  }

  private Runner(Target target, int viewEvery, Tally tally, ObjIntConsumer<Program> onStart, Target.Mirror mirror) {
    if (viewEvery < 0) {
      throw new IllegalArgumentException("view interval must be >= 0");
    }
    this.target = target;
    this.viewEvery = viewEvery;
    this.tally = tally;
    this.onStart = onStart;
    this.mirror = mirror;
  }

  /**
   * This runner with its programs' device mirror {@code mirror}: a campaign's go on with the one the
   * program before left open ({@link Target.Mirror#KEPT}); a reproducer's runs are fresh.
   */
  public Runner withMirror(Target.Mirror mirror) {
    return new Runner(target, viewEvery, tally, onStart, mirror);
  }

  public ObjIntConsumer<Program> onStart() {
    return onStart;
  }

  public int viewEvery() {
    return viewEvery;
  }

  public Target target() {
    return target;
  }

  /** Runs {@code program} and checks it. */
  public RunResult run(Program program) {
    return run(program, null);
  }

  /**
   * Runs {@code program} and checks it; {@code following} (may be null) is the program this runner is
   * asked to run after it. On a target that queues programs ({@link Target#queuesPrograms}) the
   * following program is started before this one is checked, so that the executor runs it meanwhile;
   * it is checked when it is run. A program started ahead that is never run is ended by {@link #close}.
   */
  public RunResult run(Program program, Program following) {
    Capabilities caps = target.capabilities();
    requireDevice(program, caps);
    Started current;
    if (ahead != null && ahead.program() == program) {
      current = ahead;
      ahead = null;
    } else {
      current = start(program, caps);
    }
    if (following != null && ahead == null && target.queuesPrograms() && runnable(following, caps)) {
      ahead = start(following, caps);
    }
    RunResult result;
    try (current) {
      result = check(current, caps);
    }
    // Closing the session unmaps and deletes the program's files: the kernel may report then too.
    List<KernelReport> late = current.whole() != null ? current.whole().released() : target.kernelReports();
    if (!late.isEmpty() && (result.divergence() == null || result.divergence().report() == null)) {
      int last = Math.max(0, result.opsExecuted() - 1);
      return new RunResult(result.opsExecuted(), Divergence.kernelReport(last, late.get(0), program, caps));
    }
    return result;
  }

  /** Ends the program started ahead that was never run (its outcomes unchecked, as if never generated). */
  @Override
  public void close() {
    Started left = ahead;
    ahead = null;
    if (left != null) {
      left.close();
    }
  }

  /** A program started on the target: its session, and its whole run where the target runs programs whole. */
  private record Started(Program program, Target.Session session, ProgramRun whole) implements AutoCloseable {
    @Override
    public void close() {
      try (session) {
        if (whole != null) {
          whole.close();
        }
      }
    }
  }

  private boolean runnable(Program program, Capabilities caps) {
    return (caps.testHmm() || firstOf(program, OpKind::device) == null)
        && (caps.coherentDevices() || coherentDeviceOp(program) == null)
        && (target.forks() || firstOf(program, OpKind::childProcess) == null)
        && (target.ownsKernel() || firstOf(program, OpKind::systemWide) == null);
  }

  /** The program's first device op through a device with device-coherent memory (R121), or null. */
  private static Op coherentDeviceOp(Program program) {
    return program.ops().stream().filter(o -> o instanceof DevicePages d
        && DeviceMemory.of(d.device()) == DeviceMemory.COHERENT).findFirst().orElse(null);
  }

  /** The program's first op of a kind that {@code kind} holds for, or null. */
  private static Op firstOf(Program program, java.util.function.Predicate<OpKind> kind) {
    return program.ops().stream().filter(o -> kind.test(o.kind())).findFirst().orElse(null);
  }

  /**
   * Refuses, before anything runs, a program the target cannot run: one that changes the whole kernel
   * (drop-caches) where the kernel is not the tool's own (the local one: the tool changes only what it
   * made there), one with a child process where the executor cannot fork, one with device ops where
   * there is no test_hmm. The exception names the fix.
   */
  private void requireDevice(Program program, Capabilities caps) {
    Op wide = target.ownsKernel() ? null : firstOf(program, OpKind::systemWide);
    if (wide != null) {
      throw new TargetUnavailableException("the program uses " + wide.kind().id() + ", which changes the whole"
          + " kernel, and " + target.describe() + " is not a kernel the tool booted (it changes only what it made"
          + " on the local kernel): run it with --target vm --kernel BZIMAGE");
    }
    Op fork = target.forks() ? null : firstOf(program, OpKind::childProcess);
    if (fork != null) {
      throw new TargetUnavailableException("the program uses " + fork.kind().id() + ", which runs a child process,"
          + " and " + target.describe() + " runs it in this JVM, which cannot fork a child that runs Java:"
          + " run it with --executor c");
    }
    Op coherent = coherentDeviceOp(program);
    if (caps.testHmm() && coherent != null && !caps.coherentDevices()) {
      throw new TargetUnavailableException("the program uses " + coherent.kind().id() + " through device "
          + ((DevicePages) coherent).device() + ", a test_hmm device with device-coherent memory (R121), and "
          + target.describe() + " has none (test_hmm makes /dev/hmm_dmirror2 and 3 only with its spm_addr_dev0"
          + " and spm_addr_dev1 parameters): run it with --target vm --kernel BZIMAGE, whose guests have them");
    }
    if (!runnable(program, caps)) {
      throw new TargetUnavailableException("the program uses device ops (" + firstOf(program, OpKind::device).kind()
          .id() + ") and " + target.describe() + " has no test_hmm (/dev/hmm_dmirror0): run it with --target vm"
          + " --kernel BZIMAGE");
    }
  }

  /**
   * Opens the program's session and, where the target runs whole programs, sends it: an executor
   * running the whole program drops what the kernel logged before it itself.
   */
  private Started start(Program program, Capabilities caps) {
    if (onStart != null) {
      onStart.accept(program, viewEvery);
    }
    Target.Session session = target.openSession(mirror);
    try {
      return new Started(program, session, session.runWhole(program.ops(), viewEvery, caps.testHmm()));
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private RunResult check(Started started, Capabilities caps) {
    Program program = started.program();
    Model model = new Model(caps);
    Agreed agreed = new Agreed();
    ProgramRun whole = started.whole();
    if (whole != null) {
      return lockstep(program, caps, model, agreed, i -> new Step(whole.next()));
    }
    Execution x = new Execution(started.session().kernel(), caps.pageSize());
    target.kernelReports(); // whatever the kernel logged before this program is not its finding
    try {
      return lockstep(program, caps, model, agreed, i -> {
        Outcome actual = program.op(i).execute(x, i);
        return new Step(actual, target.kernelReports(),
            Views.due(viewEvery, i, program.size()) ? new ViewSource(x, target::kernelReports) : null);
      });
    } finally {
      x.release();
    }
  }

  /** What op i did on the target: its step read live op by op, or streamed by an executor running the whole program. */
  @FunctionalInterface
  private interface Steps {
    Step step(int index);
  }

  /** One op's step; the views are read when the checks ask for them (live) or were read already (recorded). */
  private record Step(Outcome outcome, List<KernelReport> reports, ViewSource views) {
    Step(ProgramRun.Step s) {
      this(s.outcome(), s.reports(), s.views() == null ? null : new ViewSource(s.views(), s.views()::reports));
    }
  }

  /** The views after an op, and the kernel reports logged while they were read. */
  private record ViewSource(Views views, Supplier<List<KernelReport>> reportsAfter) {}

  private RunResult lockstep(Program program, Capabilities caps, Model model, Agreed agreed, Steps steps) {
    List<Outcome> outcomes = new ArrayList<>();
    try {
      return lockstep(program, caps, model, agreed, steps, outcomes);
    } finally {
      if (tally != null) {
        tally.program(program, outcomes);
      }
    }
  }

  private RunResult lockstep(Program program, Capabilities caps, Model model, Agreed agreed, Steps steps,
      List<Outcome> outcomes) {
    for (int i = 0; i < program.size(); i++) {
      Op op = program.op(i);
      Step step = steps.step(i);
      Outcome actual = step.outcome();
      outcomes.add(actual);
      if (tally != null) {
        tally.add(op, actual);
      }
      if (!step.reports().isEmpty()) {
        return new RunResult(i + 1, Divergence.kernelReport(i, step.reports().get(0), program, caps));
      }
      Expected expected = op.model(model, i);
      if (!expected.allows(actual)) {
        return new RunResult(i + 1, opDivergence(program, caps, i, expected, actual, agreed));
      }
      if (step.views() != null) {
        Divergence d = checkViews(program, caps, i, model, step.views().views(), agreed, expected.rule());
        List<KernelReport> reports = step.views().reportsAfter().get();
        if (!reports.isEmpty()) {
          return new RunResult(i + 1, Divergence.kernelReport(i, reports.get(0), program, caps));
        }
        if (d != null) {
          return new RunResult(i + 1, d);
        }
      }
    }
    return new RunResult(program.size(), null);
  }

  /**
   * The bytes each view was last checked to hold (the model's expected cells that the kernel matched),
   * so that a divergence can tell stale bytes, an update that did not land, from other wrong bytes.
   */
  private static final class Agreed {
    final Map<FileId, Cells> files = new HashMap<>();
    final Map<PageKey, Cells> pages = new HashMap<>();

    /** A page of a mapping as the CPU or the device mirror reads it. */
    record PageKey(MapId map, long page, boolean device) {}

    /** The agreed bytes of {@code file} from {@code base} on, or null. */
    Cells file(FileId file, long base, int length) {
      Cells c = file == null ? null : files.get(file);
      if (c == null || base >= c.length()) {
        return null;
      }
      return c.slice((int) base, (int) Math.min(c.length(), base + length));
    }
  }

  private static Divergence opDivergence(Program p, Capabilities caps, int i, Expected e, Outcome a, Agreed agreed) {
    Op.Source source = p.op(i).reads(p);
    FileId file = source == null ? null : source.file();
    long base = source == null ? 0 : source.offset();
    Cells before = a.data() == null ? null : agreed.file(file, base, a.data().length);
    return new Divergence(i, Signature.View.OUTCOME, "the op's own outcome", e, a, p, caps, file, base, null, before,
        null);
  }

  private static Divergence checkViews(Program p, Capabilities caps, int i, Model model, Views x, Agreed agreed,
      String opRule) {
    for (ModelFile f : model.files()) {
      Expected e = model.fileView(f);
      Outcome a = x.file(f.id());
      if (!e.allows(a)) {
        return new Divergence(i, Signature.View.FILE, "view " + f.id() + " (fstat + pread)", e, a, p, caps, f.id(), 0,
            null, agreed.files.get(f.id()), opRule);
      }
      agreed.files.put(f.id(), e.data());
    }
    for (ModelMapping m : model.readableMappings()) {
      int pages = (int) (model.roundUpPage(m.length()) / model.page());
      Outcome[] views = x.cpuPages(m.id(), pages);
      for (int pg = 0; pg < pages; pg++) {
        Expected e = model.pageView(m, pg);
        Outcome a = views[pg];
        Agreed.PageKey key = new Agreed.PageKey(m.id(), pg, false);
        if (!e.allows(a)) {
          return new Divergence(i, Signature.View.CPU, "view " + m.id() + " page 0x" + Long.toHexString(pg)
              + " (CPU loads)", e, a, p, caps, m.file(), m.offset() + pg * model.page(), null, agreed.pages.get(key),
              opRule);
        }
        agreed.pages.put(key, e.data());
      }
    }
    if (caps.testHmm()) {
      // R40: the device mirror must read exactly what the CPU reads, or fail where the CPU would fault.
      for (ModelMapping m : model.liveMappings()) {
        long pages = model.roundUpPage(m.length()) / model.page();
        for (long pg = 0; pg < pages; pg++) {
          Expected e = DeviceRead.rule(model, m, pg * model.page(), 1);
          Outcome a = x.devicePage(m.id(), pg);
          Agreed.PageKey key = new Agreed.PageKey(m.id(), pg, true);
          if (!e.allows(a)) {
            return new Divergence(i, Signature.View.DEVICE, "view " + m.id() + " page 0x" + Long.toHexString(pg)
                + " (device read)", e, a, p, caps, m.file(), m.offset() + pg * model.page(), null, agreed.pages.get(key),
                opRule);
          }
          agreed.pages.put(key, e.data());
        }
      }
    }
    return null;
  }
}
