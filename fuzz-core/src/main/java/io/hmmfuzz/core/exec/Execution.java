package io.hmmfuzz.core.exec;

import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The executor's side of one program run: which fd and which address each file and mapping of the
 * program has on the real kernel, and CPU accesses done page by page so that a SIGBUS names the page.
 */
public final class Execution implements Views {
  private final Kernel kernel;
  private final int page;
  private final Map<FileId, Integer> fds = new HashMap<>();
  private final Map<FileId, String> names = new LinkedHashMap<>();
  /** The O_DIRECT fds of files, opened by their first direct read or write (R100). */
  private final Map<FileId, Integer> directFds = new HashMap<>();
  private final Map<MapId, Region> regions = new HashMap<>();

  /** A live mapping: where it is, and the protection the kernel accepted for it. */
  public static final class Region {
    final long address;
    final long length;
    final long fileOffset;
    Prot prot;

    Region(long address, long length, long fileOffset, Prot prot) {
      this.address = address;
      this.length = length;
      this.fileOffset = fileOffset;
      this.prot = prot;
    }

    public long fileOffset() {
      return fileOffset;
    }

    public long address() {
      return address;
    }

    public long length() {
      return length;
    }

    /** The bytes of the mapping's whole pages. */
    long pages(int page) {
      return (length + page - 1) / page * page;
    }
  }

  public Execution(Kernel kernel, int pageSize) {
    this.kernel = kernel;
    this.page = pageSize;
  }

  public Kernel kernel() {
    return kernel;
  }

  /**
   * The call on file f's fd, its value kept; not live where the program has no open fd for f (the C
   * executor's PROGRAM_FILE_CALL).
   */
  public Outcome onFile(FileId f, java.util.function.IntFunction<SysResult> call) {
    Integer fd = fd(f);
    return fd == null ? Outcome.notLive() : Outcome.of(call.apply(fd), true);
  }

  /** The call on the fds of {@code dst} and {@code src}, its value kept; not live where either has none. */
  public Outcome onFiles(FileId dst, FileId src, java.util.function.BiFunction<Integer, Integer, SysResult> call) {
    Integer d = fd(dst);
    Integer s = fd(src);
    return d == null || s == null ? Outcome.notLive() : Outcome.of(call.apply(d, s), true);
  }

  public Integer fd(FileId f) {
    return fds.get(f);
  }

  public void created(FileId f, String name, int fd) {
    names.put(f, name);
    fds.put(f, fd);
  }

  /** The program closes f's fd: its O_DIRECT fd, if it has one, is closed with it. */
  public void closed(FileId f) {
    fds.remove(f);
    Integer d = directFds.remove(f);
    if (d != null) {
      kernel.close(d);
    }
  }

  /**
   * File f's O_DIRECT fd (open(name, O_RDWR|O_DIRECT), R100), opened on first use and kept until f is
   * closed: ok with the fd, or the open's failure (tried again next time); null where f has no open fd
   * (the C executor's direct_fd_of).
   */
  public SysResult directFd(FileId f) {
    if (fds.get(f) == null) {
      return null;
    }
    Integer d = directFds.get(f);
    if (d != null) {
      return SysResult.ok(d);
    }
    SysResult o = kernel.openDirect(names.get(f));
    if (!o.failed()) {
      directFds.put(f, (int) o.value());
    }
    return o;
  }

  public Region region(MapId m) {
    return regions.get(m);
  }

  public void mapped(MapId m, long address, long length, long fileOffset, Prot prot) {
    regions.put(m, new Region(address, length, fileOffset, prot));
  }

  public void unmapped(MapId m) {
    regions.remove(m);
  }

  /** Mapping m now lies at {@code address}, {@code length} bytes long (mremap moved or resized it). */
  public void remapped(MapId m, long address, long length) {
    Region r = regions.get(m);
    regions.put(m, new Region(address, length, r.fileOffset, r.prot));
  }

  /**
   * A second mapping of {@code like}'s file offset and protection, {@code length} bytes at {@code address}
   * (what mremap's DONTUNMAP leaves behind, or its old_len 0 makes).
   */
  public void mappedLike(MapId second, MapId like, long address, long length) {
    Region r = regions.get(like);
    regions.put(second, new Region(address, length, r.fileOffset, r.prot));
  }

  public void protectionChanged(MapId m, Prot prot) {
    regions.get(m).prot = prot;
  }

  /**
   * A CPU load or store of [offset, offset+buf.length) of mapping m, one page-sized bulk copy at a time
   * so a SIGBUS ends the access at the faulting page. An access the accepted protection forbids is
   * first checked against the kernel's own VMA table: a real SIGSEGV would kill the JVM (HotSpot only
   * recovers SIGBUS in unsafe copies), so it is reported, not taken, when the kernel agrees; if the
   * kernel's VMA allows the access after all, the access is made and its result reported.
   */
  public Outcome access(MapId m, long offset, byte[] buf, boolean write) {
    Region r = regions.get(m);
    if (r == null) {
      return Outcome.notLive();
    }
    if (offset < 0 || offset + buf.length > r.pages(page)) {
      // Beyond the mapping as the kernel left it (a program whose mremap went otherwise than its model
      // said): nothing of the program's is there, and a real SIGSEGV would kill the JVM.
      return Outcome.signal(Signal.SIGSEGV, 0, write ? null : new byte[0]);
    }
    if (write ? !r.prot.writable() : !r.prot.readable()) {
      Prot real = kernel.protectionAt(r.address + offset);
      if (write ? !real.writable() : !real.readable()) {
        return Outcome.signal(Signal.SIGSEGV, 0, write ? null : new byte[0]);
      }
    }
    Kernel.Access done = kernel.access(write, r.address + offset, buf, 0, buf.length, page);
    if (done.signal() != Signal.NONE) {
      return Outcome.signal(done.signal(), done.done(), write ? null : Arrays.copyOf(buf, done.done()));
    }
    return write ? Outcome.ok(buf.length) : Outcome.ok(buf.length, buf);
  }

  public int pageSize() {
    return page;
  }

  /**
   * fork(2) with a child that loads into (or stores from) {@code buf} at [offset, offset+buf.length) of
   * mapping m and exits; the parent waits (R110-R112). The outcome is the child's, as a load's or a
   * store's: its SIGSEGV and SIGBUS are caught in the child, so no protection is checked first.
   */
  public Outcome fork(MapId m, long offset, byte[] buf, boolean write) {
    Region r = regions.get(m);
    if (r == null) {
      return Outcome.notLive();
    }
    Kernel.Child c = kernel.fork(write, r.address + offset, buf, buf.length, page);
    if (c.forked().failed()) {
      return Outcome.of(c.forked(), false);
    }
    Kernel.Access done = c.access();
    if (done.signal() != Signal.NONE) {
      return Outcome.signal(done.signal(), done.done(), write ? null : Arrays.copyOf(buf, done.done()));
    }
    return write ? Outcome.ok(buf.length) : Outcome.ok(buf.length, buf);
  }

  /**
   * A test_hmm command through device {@code device}'s mirror over {@code pages} pages at {@code offset}
   * of mapping m; {@code data} is what WRITE writes. READ returns the pages' bytes, SNAPSHOT one byte per
   * page.
   */
  public Outcome device(int device, MapId m, DeviceCommand cmd, long offset, int pages, byte[] data) {
    Region r = regions.get(m);
    if (r == null) {
      return Outcome.notLive();
    }
    byte[] buf = switch (cmd) {
      case WRITE -> data;
      case SNAPSHOT -> new byte[pages];
      case RELEASE -> new byte[0];
      default -> new byte[pages * page];
    };
    SysResult s = kernel.device(device, cmd, r.address + offset, pages, buf);
    if (s.failed()) {
      return Outcome.of(s, false);
    }
    return cmd.returnsBuffer() ? Outcome.ok(s.value(), buf) : Outcome.ok(s.value());
  }

  @Override
  public Outcome file(FileId f) {
    Integer fd = fds.get(f);
    boolean temporary = false;
    if (fd == null) {
      String name = names.get(f);
      if (name == null) {
        return Outcome.notLive();
      }
      SysResult o = kernel.openReadOnly(name);
      if (o.failed()) {
        return Outcome.error(o.errno(), o.rawErrno());
      }
      fd = (int) o.value();
      temporary = true;
    }
    try {
      Kernel.WholeFile w = kernel.readWholeFile(fd);
      if (w.failure() != null) {
        return Outcome.error(w.failure().errno(), w.failure().rawErrno());
      }
      return Outcome.ok(w.size(), w.data());
    } finally {
      if (temporary) {
        kernel.close(fd);
      }
    }
  }

  /** The view of one whole page of a mapping through CPU loads. */
  public Outcome pageView(MapId m, long pageIndex) {
    return access(m, pageIndex * page, new byte[page], false);
  }

  /** As {@link #pageView} gives them, in one kernel request where the mapping is readable. */
  @Override
  public Outcome[] cpuPages(MapId m, int pages) {
    Outcome[] views = new Outcome[pages];
    Region r = regions.get(m);
    if (r == null || !r.prot.readable() || (long) pages * page > r.pages(page)) {
      for (int p = 0; p < pages; p++) {
        views[p] = pageView(m, p);
      }
      return views;
    }
    byte[] all = new byte[pages * page];
    Signal[] signals = kernel.loadPages(r.address, all, pages, page);
    for (int p = 0; p < pages; p++) {
      views[p] = signals[p] == Signal.NONE ? Outcome.ok(page, Arrays.copyOfRange(all, p * page, (p + 1) * page))
          : Outcome.signal(signals[p], 0, new byte[0]);
    }
    return views;
  }

  @Override
  public Outcome devicePage(MapId m, long page) {
    return device(0, m, DeviceCommand.READ, page * this.page, 1, null);
  }

  /** Unmaps every live mapping and closes every fd of the program. */
  public void release() {
    for (Region r : regions.values()) {
      kernel.munmap(r.address, r.length);
    }
    regions.clear();
    for (int fd : directFds.values()) {
      kernel.close(fd);
    }
    directFds.clear();
    for (int fd : fds.values()) {
      kernel.close(fd);
    }
    fds.clear();
  }
}
