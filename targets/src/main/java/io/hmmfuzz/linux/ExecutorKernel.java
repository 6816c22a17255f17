package io.hmmfuzz.linux;

import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.linux.ExecutorProtocol.Answer;
import io.hmmfuzz.linux.ExecutorProtocol.Call;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The kernel as the C executor sees it: every call of {@link Kernel} is one request to an executor
 * process, which does the system call (CPU accesses under sigsetjmp, so a SIGBUS or SIGSEGV is an
 * answer, not a death) in the session's directory. One session at a time per executor.
 */
public final class ExecutorKernel implements Kernel, AutoCloseable {
  private final ExecutorLink executor;

  /** Whether the executor makes the session directory and removes it at the end (in a guest). */
  private final boolean ownsDirectory;

  /** Starts a session in {@code dir} (an absolute path, made by the caller) on {@code executor}. */
  ExecutorKernel(ExecutorLink executor, Path dir) {
    this(executor, dir, false);
  }

  /** As above; if {@code ownsDirectory}, the executor makes {@code dir} and removes it at the end. */
  ExecutorKernel(ExecutorLink executor, Path dir, boolean ownsDirectory) {
    this.executor = executor;
    this.ownsDirectory = ownsDirectory;
    byte[] path = dir.toString().getBytes(StandardCharsets.UTF_8);
    Answer a = executor.call(Call.SESSION, path, 0, path.length, null, 0, ownsDirectory ? 1 : 0);
    if (a.errno() != 0) {
      throw new io.hmmfuzz.core.exec.InfrastructureException("the executor cannot open the session directory "
          + dir + ": " + LinuxAbi.errno(a.errno()));
    }
  }

  private static SysResult result(Answer a) {
    return a.errno() != 0 ? SysResult.error(LinuxAbi.errno(a.errno()), a.errno()) : SysResult.ok(a.value());
  }

  private SysResult named(Call call, String name) {
    if (name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("file names stay inside the scratch directory: " + name);
    }
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return result(executor.call(call, n, 0, n.length, null, 0));
  }

  @Override
  public SysResult createFile(String name) {
    return named(Call.CREATE, name);
  }

  @Override
  public SysResult openReadOnly(String name) {
    return named(Call.OPEN_READ_ONLY, name);
  }

  @Override
  public SysResult openDirect(String name) {
    return named(Call.OPEN_DIRECT, name);
  }

  @Override
  public SysResult close(int fd) {
    return result(executor.call(Call.CLOSE, fd));
  }

  @Override
  public SysResult pread(int fd, byte[] buf, int length, long offset) {
    return result(executor.call(Call.PREAD, null, 0, 0, buf, 0, fd, length, offset));
  }

  @Override
  public SysResult pwrite(int fd, byte[] buf, int length, long offset) {
    return result(executor.call(Call.PWRITE, buf, 0, length, null, 0, fd, offset));
  }

  @Override
  public SysResult ftruncate(int fd, long length) {
    return result(executor.call(Call.FTRUNCATE, fd, length));
  }

  @Override
  public SysResult fsync(int fd) {
    return result(executor.call(Call.FSYNC, fd));
  }

  @Override
  public SysResult fallocate(int fd, FallocMode mode, long offset, long length) {
    return result(executor.call(Call.FALLOCATE, fd, ExecutorProtocol.code(mode), offset, length));
  }

  @Override
  public SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset) {
    return result(executor.call(Call.CLONE_RANGE, dstFd, srcFd, srcOffset, length, dstOffset));
  }

  @Override
  public SysResult cloneFile(int dstFd, int srcFd) {
    return result(executor.call(Call.CLONE, dstFd, srcFd));
  }

  @Override
  public SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length) {
    return result(executor.call(Call.COPY_FILE_RANGE, srcFd, srcOffset, dstFd, dstOffset, length));
  }

  @Override
  public SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset) {
    return result(executor.call(Call.DEDUPE, srcFd, srcOffset, length, dstFd, dstOffset));
  }

  @Override
  public SysResult fileSize(int fd) {
    return result(executor.call(Call.FILE_SIZE, fd));
  }

  @Override
  public SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset) {
    return result(executor.call(Call.MMAP, length, ExecutorProtocol.code(prot), ExecutorProtocol.code(sharing),
        sync ? 1 : 0, fd, offset));
  }

  @Override
  public SysResult mmapAnonymous(long length, Prot prot, Sharing sharing) {
    return result(executor.call(Call.MMAP, length, ExecutorProtocol.code(prot), ExecutorProtocol.code(sharing), 0, -1, 0));
  }

  @Override
  public Child fork(boolean write, long address, byte[] buf, int length, int pageSize) {
    Answer a = write ? executor.call(Call.FORK, buf, 0, length, null, 0, 1, address, length, pageSize)
        : executor.call(Call.FORK, null, 0, 0, buf, 0, 0, address, length, pageSize);
    if (a.errno() != 0) {
      return new Child(result(a), null);
    }
    return new Child(SysResult.ok(0), new Access((int) a.value(), ExecutorProtocol.signal(a.signal())));
  }

  @Override
  public SysResult munmap(long address, long length) {
    return result(executor.call(Call.MUNMAP, address, length));
  }

  @Override
  public SysResult mprotect(long address, long length, Prot prot) {
    return result(executor.call(Call.MPROTECT, address, length, ExecutorProtocol.code(prot)));
  }

  @Override
  public SysResult msync(long address, long length, MsyncMode mode) {
    return result(executor.call(Call.MSYNC, address, length, ExecutorProtocol.code(mode)));
  }

  @Override
  public SysResult madvise(long address, long length, Advice advice) {
    return result(executor.call(Call.MADVISE, address, length, ExecutorProtocol.code(advice)));
  }

  @Override
  public SysResult mremap(long address, long oldLength, long newLength, Remap mode) {
    return result(executor.call(Call.MREMAP, address, oldLength, newLength, ExecutorProtocol.code(mode)));
  }

  @Override
  public SysResult mlock(long address, long length) {
    return result(executor.call(Call.MLOCK, address, length));
  }

  @Override
  public SysResult munlock(long address, long length) {
    return result(executor.call(Call.MUNLOCK, address, length));
  }

  /**
   * The executor's write to /proc/sys/vm/drop_caches. Reached only where the target owns the kernel (a
   * guest): the runner refuses programs with it elsewhere, and the local kernel's campaigns never make it.
   */
  @Override
  public SysResult dropCaches(CacheDrop what) {
    return result(executor.call(Call.DROP_CACHES, ExecutorProtocol.code(what)));
  }

  @Override
  public Signal load(long address, byte[] dst, int dstOffset, int length) {
    return ExecutorProtocol.signal(executor.call(Call.LOAD, null, 0, 0, dst, dstOffset, address, length).signal());
  }

  @Override
  public Signal store(long address, byte[] src, int srcOffset, int length) {
    return ExecutorProtocol.signal(executor.call(Call.STORE, src, srcOffset, length, null, 0, address).signal());
  }

  @Override
  public Access access(boolean write, long address, byte[] buf, int offset, int length, int pageSize) {
    Answer a = write ? executor.call(Call.ACCESS, buf, offset, length, null, 0, 1, address, length, pageSize)
        : executor.call(Call.ACCESS, null, 0, 0, buf, offset, 0, address, length, pageSize);
    return new Access((int) a.value(), ExecutorProtocol.signal(a.signal()));
  }

  @Override
  public Signal[] loadPages(long address, byte[] dst, int pages, int pageSize) {
    byte[] answer = new byte[pages + pages * pageSize];
    executor.call(Call.LOAD_PAGES, null, 0, 0, answer, 0, address, pages, pageSize);
    System.arraycopy(answer, pages, dst, 0, pages * pageSize);
    Signal[] signals = new Signal[pages];
    for (int p = 0; p < pages; p++) {
      signals[p] = ExecutorProtocol.signal(answer[p]);
    }
    return signals;
  }

  @Override
  public WholeFile readWholeFile(int fd) {
    ExecutorLink.Reply r = executor.callForPayload(Call.READ_WHOLE_FILE, fd);
    if (r.answer().errno() != 0) {
      return new WholeFile(result(r.answer()), -1, null);
    }
    return new WholeFile(null, r.answer().value(), r.payload());
  }

  @Override
  public SysResult device(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
    boolean write = command == DeviceCommand.WRITE;
    return result(executor.call(Call.DEVICE, buffer, 0, write ? buffer.length : 0, write ? null : buffer, 0,
        ExecutorProtocol.code(command), address, pages, buffer.length, device));
  }

  @Override
  public Prot protectionAt(long address) {
    Answer a = executor.call(Call.PROTECTION_AT, address);
    if (a.errno() != 0) {
      throw new io.hmmfuzz.core.exec.InfrastructureException("the executor cannot read /proc/self/maps: "
          + LinuxAbi.errno(a.errno()));
    }
    return ExecutorProtocol.prot(a.value());
  }

  /**
   * The executor's own speed: {@code programs} run by the C code alone, each quietly in a fresh
   * directory, going on with one device mirror as a campaign's programs do ({@link
   * io.hmmfuzz.core.exec.Target.Mirror#KEPT}), with the views every {@code viewEvery} ops (-1: none).
   * The nanoseconds it took.
   */
  public Floor floor(List<List<Op>> programs, int viewEvery, boolean deviceViews) {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(16).order(ExecutorProtocol.ORDER);
    for (List<Op> ops : programs) {
      byte[] body = ExecutorProtocol.program(ops);
      header.clear();
      header.putInt(ops.size()).putInt(ExecutorProgram.fileSlots(ops)).putInt(ExecutorProgram.mapSlots(ops))
          .putInt(body.length);
      all.write(header.array(), 0, 16);
      all.write(body, 0, body.length);
    }
    byte[] payload = all.toByteArray();
    ExecutorLink.Reply r = executor.callForPayload(Call.FLOOR, payload, programs.size(), viewEvery,
        (deviceViews ? ExecutorProtocol.ProgramFlag.DEVICE_VIEWS.bit() : 0) | ExecutorProtocol.ProgramFlag.KEEP_MIRROR.bit());
    if (r.answer().errno() != 0) {
      throw new io.hmmfuzz.core.exec.InfrastructureException("the executor cannot make a floor program's directory: "
          + LinuxAbi.errno(r.answer().errno()));
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.payload()).order(ExecutorProtocol.ORDER);
    java.util.Map<String, Floor.Spent> spent = new java.util.LinkedHashMap<>();
    if (r.payload().length != 16 * ExecutorProtocol.FloorSlot.slots()) {
      throw new IllegalStateException("the executor answered FLOOR with " + r.payload().length + " bytes of profile");
    }
    for (int i = 0; i < ExecutorProtocol.FloorSlot.slots(); i++) {
      long count = b.getLong();
      long nanos = b.getLong();
      if (count > 0) {
        spent.put(ExecutorProtocol.FloorSlot.name(i), new Floor.Spent(count, nanos));
      }
    }
    return new Floor(r.answer().value(), spent);
  }

  /** A floor's time, and where it went ({@link ExecutorProtocol.FloorSlot}). */
  public record Floor(long nanos, java.util.Map<String, Spent> spent) {
    /** How many of a kind ran, and their nanoseconds. */
    public record Spent(long count, long nanos) {}
  }

  /** Ends the session: the device mirror and the session directory are closed. */
  @Override
  public void close() {
    Answer a = executor.call(Call.END_SESSION, ownsDirectory ? 1 : 0);
    if (a.errno() != 0) {
      throw new io.hmmfuzz.core.exec.InfrastructureException("the executor cannot remove its session directory: "
          + LinuxAbi.errno(a.errno()));
    }
  }
}
