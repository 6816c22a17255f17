package io.hmmfuzz.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.ProgramRun;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.exec.Views;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.RunResult;
import io.hmmfuzz.core.run.Runner;
import io.hmmfuzz.gen.Profile;
import io.hmmfuzz.gen.ProgramGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two executors of the local kernel, the C executor (a child process) and JNA (this JVM), run the
 * same generated programs and must see the same kernel: every system call the runner makes, with its
 * result, errno, signal and bytes, identical call by call. Addresses and fd numbers belong to each
 * process and are left out.
 */
class ExecutorAgreementTests {
  static final int PROGRAMS = Integer.getInteger("hmmfuzz.agreementPrograms", 300);

  @ParameterizedTest
  @EnumSource(value = FsKind.class, names = {"TMPFS", "XFS"})
  void bothExecutorsSeeTheSameKernelCallByCall(FsKind fs) {
    assumeTrue(fs == FsKind.TMPFS || LinuxKernel.root(), "needs root to loop-mount " + fs.id());
    List<List<String>> jna = run(fs, ExecutorKind.JNA);
    List<List<String>> c = run(fs, ExecutorKind.C);
    long calls = assertSameLines(jna, c, "call", "jna vs c");
    List<String> all = c.stream().flatMap(List::stream).toList();
    // The programs reached the calls that matter, with failures and signals among them.
    for (String needed : List.of("mmap ok", "load-pages SIGBUS", "store-pages NONE", "store-pages SIGBUS",
        "page-views SIGBUS", "pwrite ok", "file-view size", "ftruncate ok", "mmap error EINVAL", "mremap ok",
        "mremap error EINVAL")) {
      String call = needed.substring(0, needed.indexOf(' '));
      String result = needed.substring(needed.indexOf(' ') + 1);
      assertTrue(all.stream().anyMatch(s -> s.startsWith(call + " ") && s.contains(" " + result)),
          needed + " never happened in " + calls + " calls");
    }
    assertTrue(all.stream().anyMatch(s -> s.contains(" error ")), "no call failed in " + calls + " calls");
  }

  /**
   * The C executor running each program whole (one message, outcomes streamed back) and JNA running it
   * op by op give the same outcome for every op and the same views where views are due.
   */
  @ParameterizedTest
  @EnumSource(value = FsKind.class, names = {"TMPFS", "XFS"})
  void wholeProgramsMatchOpByOpExecution(FsKind fs) {
    assumeTrue(fs == FsKind.TMPFS || LinuxKernel.root(), "needs root to loop-mount " + fs.id());
    List<List<String>> jna = steps(fs, ExecutorKind.JNA);
    List<List<String>> c = steps(fs, ExecutorKind.C);
    assertSameLines(jna, c, "step or view", "jna op by op vs c whole");
    List<String> all = c.stream().flatMap(List::stream).toList();
    for (String needed : List.of(" SIGBUS", "ERROR", "NOT_LIVE", "view f", "view m")) {
      assertTrue(all.stream().anyMatch(s -> s.contains(needed)), needed + " never happened");
    }
  }

  /** Each program's lines the same in both runs, line by line; the lines compared. */
  private static long assertSameLines(List<List<String>> a, List<List<String>> b, String line, String what) {
    assertEquals(a.size(), b.size(), "programs");
    long lines = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int k = 0; k < Math.min(a.get(i).size(), b.get(i).size()); k++) {
        assertEquals(a.get(i).get(k), b.get(i).get(k), "program " + i + ", " + line + " " + k + " (" + what + ")");
      }
      assertEquals(a.get(i).size(), b.get(i).size(), "program " + i + ": number of lines (" + what + ")");
      lines += a.get(i).size();
    }
    return lines;
  }

  private static final int VIEW_EVERY = 3;

  /** Each program's op outcomes and views, as text. */
  private static List<List<String>> steps(FsKind fs, ExecutorKind kind) {
    return steps(fs, kind, kind == ExecutorKind.C, false);
  }

  /**
   * As above; {@code whole}: the C executor runs each program whole (else op by op through the
   * executor's kernel, call by call); {@code forks}: programs may fork.
   */
  private static List<List<String>> steps(FsKind fs, ExecutorKind kind, boolean whole, boolean forks) {
    List<List<String>> log = new ArrayList<>();
    try (LinuxTarget t = LinuxTarget.create(fs, kind)) {
      // Programs with fork (a child process) only where every run forks: the JVM's executor cannot.
      ProgramGenerator gen = new ProgramGenerator(fs == FsKind.TMPFS ? Profile.eof() : Profile.reflink(),
          t.capabilities(), forks);
      int page = t.capabilities().pageSize();
      for (int n = 0; n < PROGRAMS; n++) {
        Program p = gen.generate(20261202L + n);
        List<String> out = new ArrayList<>();
        try (Target.Session s = t.openSession()) {
          ProgramRun run = whole ? s.runWhole(p.ops(), VIEW_EVERY, false) : null;
          assertEquals(whole, run != null, "only the C executor runs whole programs");
          Execution x = run == null ? new Execution(s.kernel(), page) : null;
          for (int i = 0; i < p.size(); i++) {
            boolean due = Views.due(VIEW_EVERY, i, p.size());
            Views views;
            if (run != null) {
              ProgramRun.Step step = run.next();
              out.add(i + " " + describe(step.outcome()));
              views = step.views();
              assertEquals(due, views != null, "views after op " + i);
            } else {
              out.add(i + " " + describe(p.op(i).execute(x, i)));
              views = due ? x : null;
            }
            if (views != null) {
              for (FileId f : p.ops().stream().flatMap(o -> o.files().stream()).distinct().sorted().toList()) {
                out.add("view " + f + " " + describe(views.file(f)));
              }
              io.hmmfuzz.core.op.Layout now = p.before(i + 1);
              for (MapId m : p.ops().stream().flatMap(o -> o.mappings().stream()).distinct().sorted().toList()) {
                if (now.mmapOf(m) == null) {
                  continue; // made by a later op
                }
                int pages = (int) ((now.mmapOf(m).length() + page - 1) / page);
                Outcome[] read = views.cpuPages(m, pages);
                for (int pg = 0; pg < pages; pg++) {
                  out.add("view " + m + " page " + pg + " " + describe(read[pg]));
                }
              }
            }
          }
          if (run != null) {
            run.close();
          } else {
            x.release();
          }
        }
        log.add(out);
      }
    }
    return log;
  }

  /**
   * fork (R110) runs in a child only the C executor makes: its two paths, a whole program's
   * (program_fork) and op by op through the executor's FORK call, give the same outcome for every op
   * and the same views; the programs reach the child's loads and stores, its SIGBUS, and anonymous
   * memory.
   */
  @ParameterizedTest
  @EnumSource(value = FsKind.class, names = {"TMPFS", "XFS"})
  void forkAgreesWholeAndCallByCall(FsKind fs) {
    assumeTrue(fs == FsKind.TMPFS || LinuxKernel.root(), "needs root to loop-mount " + fs.id());
    List<List<String>> calls = steps(fs, ExecutorKind.C, false, true);
    List<List<String>> whole = steps(fs, ExecutorKind.C, true, true);
    long lines = assertSameLines(calls, whole, "step or view", "c call by call vs c whole");
    Capabilities caps;
    try (LinuxTarget t = LinuxTarget.create(fs, ExecutorKind.C)) {
      caps = t.capabilities();
    }
    ProgramGenerator gen = new ProgramGenerator(fs == FsKind.TMPFS ? Profile.eof() : Profile.reflink(), caps, true);
    long forks = 0;
    long anon = 0;
    for (int n = 0; n < PROGRAMS; n++) {
      Program p = gen.generate(20261202L + n);
      forks += p.ops().stream().filter(o -> o instanceof io.hmmfuzz.core.op.Fork).count();
      anon += p.ops().stream().filter(o -> o instanceof io.hmmfuzz.core.op.Mmap m && m.anonymous()).count();
    }
    assertTrue(forks > PROGRAMS / 4 && anon > PROGRAMS / 4, forks + " forks, " + anon + " anonymous mappings in "
        + lines + " lines");
  }

  private static String describe(Outcome o) {
    return o.status() + " " + o.value() + " " + o.errno() + " " + o.signal()
        + (o.data() == null ? " no-data" : " data=" + o.data().length + "/" + Arrays.hashCode(o.data()));
  }

  /** Each program's calls, as text, run by {@code kind}. */
  private static List<List<String>> run(FsKind fs, ExecutorKind kind) {
    List<List<String>> log = new ArrayList<>();
    try (LinuxTarget t = LinuxTarget.create(fs, kind)) {
      Recording rec = new Recording(t);
      Runner runner = new Runner(rec, 1);
      ProgramGenerator gen = new ProgramGenerator(fs == FsKind.TMPFS ? Profile.eof() : Profile.reflink(),
          t.capabilities(), false); // the JVM's executor cannot fork (Target.forks)
      for (int i = 0; i < PROGRAMS; i++) {
        Program p = gen.generate(20261202L + i);
        rec.calls = new ArrayList<>();
        RunResult r = runner.run(p);
        rec.calls.add("result diverged=" + r.diverged() + " ops=" + r.opsExecuted());
        log.add(rec.calls);
      }
    }
    return log;
  }

  /** A target whose sessions' kernels write every call and its result to {@link #calls}. */
  private static final class Recording implements Target {
    private final Target inner;
    List<String> calls = new ArrayList<>();

    Recording(Target inner) {
      this.inner = inner;
    }

    @Override
    public Capabilities capabilities() {
      return inner.capabilities();
    }

    @Override
    public List<KernelReport> kernelReports() {
      return inner.kernelReports();
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public void close() {}

    @Override
    public Session openSession() {
      Session s = inner.openSession();
      Kernel k = s.kernel();
      Kernel logged = new Kernel() {
        private SysResult log(String call, SysResult r, boolean keepValue) {
          calls.add(call + " " + (r.failed() ? "error " + r.errno() + "/" + r.rawErrno() : "ok" + (keepValue ? " " + r.value() : "")));
          return r;
        }

        private Signal log(String call, Signal sig, byte[] data, int off, int len) {
          calls.add(call + " " + (sig == Signal.NONE ? "ok" : sig.name()) + " len=" + len
              + (data == null || sig != Signal.NONE ? "" : " bytes=" + Arrays.hashCode(Arrays.copyOfRange(data, off, off + len))));
          return sig;
        }

        @Override
        public SysResult createFile(String name) {
          return log("create " + name, k.createFile(name), false);
        }

        @Override
        public SysResult openReadOnly(String name) {
          return log("open-ro " + name, k.openReadOnly(name), false);
        }

        @Override
        public SysResult openDirect(String name) {
          return log("open-direct " + name, k.openDirect(name), false);
        }

        @Override
        public SysResult close(int fd) {
          return log("close", k.close(fd), true);
        }

        @Override
        public SysResult pread(int fd, byte[] buf, int length, long offset) {
          SysResult r = k.pread(fd, buf, length, offset);
          log("pread " + length + "@" + offset, r, true);
          if (!r.failed()) {
            calls.add("  bytes=" + Arrays.hashCode(Arrays.copyOf(buf, (int) r.value())));
          }
          return r;
        }

        @Override
        public SysResult pwrite(int fd, byte[] buf, int length, long offset) {
          return log("pwrite " + length + "@" + offset, k.pwrite(fd, buf, length, offset), true);
        }

        @Override
        public SysResult ftruncate(int fd, long length) {
          return log("ftruncate " + length, k.ftruncate(fd, length), true);
        }

        @Override
        public SysResult fsync(int fd) {
          return log("fsync", k.fsync(fd), true);
        }

        @Override
        public SysResult fallocate(int fd, FallocMode mode, long offset, long length) {
          return log("fallocate " + mode + " " + length + "@" + offset, k.fallocate(fd, mode, offset, length), true);
        }

        @Override
        public SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset) {
          return log("clone-range " + srcOffset + "+" + length + "->" + dstOffset,
              k.cloneRange(dstFd, srcFd, srcOffset, length, dstOffset), true);
        }

        @Override
        public SysResult cloneFile(int dstFd, int srcFd) {
          return log("clone", k.cloneFile(dstFd, srcFd), true);
        }

        @Override
        public SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length) {
          return log("copy-file-range " + srcOffset + "+" + length + "->" + dstOffset,
              k.copyFileRange(srcFd, srcOffset, dstFd, dstOffset, length), true);
        }

        @Override
        public SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset) {
          return log("dedupe " + srcOffset + "+" + length + "->" + dstOffset,
              k.dedupeRange(srcFd, srcOffset, length, dstFd, dstOffset), true);
        }

        @Override
        public SysResult fileSize(int fd) {
          return log("fstat", k.fileSize(fd), true);
        }

        @Override
        public SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset) {
          return log("mmap " + length + " " + prot + " " + sharing + " " + sync + " @" + offset,
              k.mmap(length, prot, sharing, sync, fd, offset), false);
        }

        @Override
        public SysResult mmapAnonymous(long length, Prot prot, Sharing sharing) {
          return log("mmap-anon " + length + " " + prot + " " + sharing, k.mmapAnonymous(length, prot, sharing), false);
        }

        @Override
        public Child fork(boolean write, long address, byte[] buf, int length, int pageSize) {
          Child c = k.fork(write, address, buf, length, pageSize);
          if (c.forked().failed()) {
            log("fork", c.forked(), false);
          } else {
            log("fork " + (write ? "store" : "load") + "-pages", c.access().signal(), write ? null : buf, 0,
                c.access().done());
          }
          return c;
        }

        @Override
        public SysResult munmap(long address, long length) {
          return log("munmap " + length, k.munmap(address, length), true);
        }

        @Override
        public SysResult mprotect(long address, long length, Prot prot) {
          return log("mprotect " + length + " " + prot, k.mprotect(address, length, prot), true);
        }

        @Override
        public SysResult msync(long address, long length, MsyncMode mode) {
          return log("msync " + length + " " + mode, k.msync(address, length, mode), true);
        }

        @Override
        public SysResult madvise(long address, long length, Advice advice) {
          return log("madvise " + length + " " + advice, k.madvise(address, length, advice), true);
        }

        @Override
        public SysResult mremap(long address, long oldLength, long newLength, io.hmmfuzz.core.exec.Remap mode) {
          // The new address is the kernel's to choose in each process.
          return log("mremap " + oldLength + " " + newLength + " " + mode, k.mremap(address, oldLength, newLength, mode),
              false);
        }

        @Override
        public SysResult mlock(long address, long length) {
          return log("mlock " + length, k.mlock(address, length), true);
        }

        @Override
        public SysResult munlock(long address, long length) {
          return log("munlock " + length, k.munlock(address, length), true);
        }

        @Override
        public Signal load(long address, byte[] dst, int dstOffset, int length) {
          return log("load", k.load(address, dst, dstOffset, length), dst, dstOffset, length);
        }

        @Override
        public Signal store(long address, byte[] src, int srcOffset, int length) {
          return log("store", k.store(address, src, srcOffset, length), null, 0, length);
        }

        @Override
        public Access access(boolean write, long address, byte[] buf, int offset, int length, int pageSize) {
          Access a = k.access(write, address, buf, offset, length, pageSize);
          calls.add((write ? "store-pages " : "load-pages ") + length + " done=" + a.done() + " " + a.signal()
              + (write ? "" : " bytes=" + Arrays.hashCode(Arrays.copyOfRange(buf, offset, offset + a.done()))));
          return a;
        }

        @Override
        public Signal[] loadPages(long address, byte[] dst, int pages, int pageSize) {
          Signal[] s = k.loadPages(address, dst, pages, pageSize);
          StringBuilder b = new StringBuilder("page-views " + pages);
          for (int p = 0; p < pages; p++) {
            b.append(' ').append(s[p]).append(s[p] == Signal.NONE
                ? "=" + Arrays.hashCode(Arrays.copyOfRange(dst, p * pageSize, (p + 1) * pageSize)) : "");
          }
          calls.add(b.toString());
          return s;
        }

        @Override
        public WholeFile readWholeFile(int fd) {
          WholeFile w = k.readWholeFile(fd);
          calls.add("file-view " + (w.failure() != null ? "error " + w.failure().errno()
              : "size=" + w.size() + " bytes=" + Arrays.hashCode(w.data())));
          return w;
        }

        @Override
        public SysResult device(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
          SysResult r = k.device(device, command, address, pages, buffer);
          log("device " + command + " " + pages, r, true);
          calls.add("  bytes=" + Arrays.hashCode(buffer));
          return r;
        }

        @Override
        public Prot protectionAt(long address) {
          Prot p = k.protectionAt(address);
          calls.add("protection " + p);
          return p;
        }
      };
      return new Session() {
        @Override
        public Kernel kernel() {
          return logged;
        }

        @Override
        public void close() {
          s.close();
        }
      };
    }
  }
}
