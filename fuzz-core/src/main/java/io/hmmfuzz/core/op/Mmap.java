package io.hmmfuzz.core.op;

import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;

/**
 * mmap(2) of {@code length} bytes of {@code file} at {@code offset}. With {@code sync}, the flags are
 * MAP_SHARED_VALIDATE|MAP_SYNC. A null {@code file} is anonymous memory (MAP_ANONYMOUS, fd -1, offset
 * 0, never sync; R110), printed {@code mmap m0 anon length=0x1000 prot=rw sharing=private}.
 */
public record Mmap(MapId map, FileId file, long offset, long length, Prot prot, Sharing sharing, boolean sync)
    implements Op {

  /** An anonymous mapping (MAP_ANONYMOUS) of {@code length} bytes. */
  public static Mmap anonymous(MapId map, long length, Prot prot, Sharing sharing) {
    return new Mmap(map, null, 0, length, prot, sharing, false);
  }

  /** Whether this maps anonymous memory rather than a file. */
  public boolean anonymous() {
    return file == null;
  }

  @Override
  public Expected model(Model model, int index) {
    if (file == null) {
      // R1/R110 (mm/mmap.c do_mmap, ksys_mmap_pgoff): MAP_ANONYMOUS takes no fd; a zero length is EINVAL.
      if (length == 0) {
        return Expected.error(Errno.EINVAL, "R1 mmap: length 0");
      }
      model.addAnonymousMapping(map, length, prot, sharing);
      return Expected.ok(0, "R110 mmap of anonymous memory (shared: a shmem object of its own)");
    }
    if (model.openFile(file) == null) {
      return Expected.notLive();
    }
    // R1 (mm/mmap.c do_mmap, arch/x86/kernel/sys_x86_64.c): unaligned offset, then zero length -> EINVAL.
    if (offset % model.page() != 0) {
      return Expected.error(Errno.EINVAL, "R1 mmap: offset not page aligned");
    }
    if (length == 0) {
      return Expected.error(Errno.EINVAL, "R1 mmap: length 0");
    }
    // R27: MAP_SHARED_VALIDATE|MAP_SYNC only where the file is DAX (daxdev_mapping_supported).
    if (sync && !model.caps().mapSync()) {
      return Expected.error(Errno.EOPNOTSUPP, "R27 MAP_SYNC off DAX");
    }
    model.addMapping(map, file, offset, length, prot, sharing, sync);
    return Expected.ok(0, "R1 mmap succeeds, also beyond EOF");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    if (file == null) {
      SysResult r = x.kernel().mmapAnonymous(length, prot, sharing);
      if (!r.failed()) {
        x.mapped(map, r.value(), length, 0, prot);
      }
      return Outcome.of(r, false);
    }
    Integer fd = x.fd(file);
    if (fd == null) {
      return Outcome.notLive();
    }
    SysResult r = x.kernel().mmap(length, prot, sharing, sync, fd, offset);
    if (!r.failed()) {
      x.mapped(map, r.value(), length, offset, prot);
    }
    return Outcome.of(r, false);
  }

  /** A mapping of an open file: page-aligned offsets and one to four pages, shared more often than private. */
  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    MapId id = g.nextMapping();
    if (id == null) {
      return null;
    }
    int page = g.page();
    // Anonymous memory: where test_hmm is, often (it is what migrates, R38), else now and then.
    if (f == null || g.nextInt(g.caps().testHmm() ? 3 : 8) == 0) {
      long len = g.invalid() && g.nextInt(4) == 0 ? 0
          : g.nextInt(8) == 0 ? 1 + g.nextInt(4 * page) : (1L + g.nextInt(4)) * page;
      Prot prot = g.nextInt(10) < 8 ? Prot.READ_WRITE : g.nextBoolean() ? Prot.READ : Prot.NONE;
      return anonymous(id, len, prot, g.nextInt(10) < 7 ? Sharing.PRIVATE : Sharing.SHARED);
    }
    long off = g.invalid() ? 1 + g.nextInt(page - 1) : (long) g.nextInt(3) * page;
    long len = g.invalid() && g.nextBoolean() ? 0
        : g.nextInt(8) == 0 ? 1 + g.nextInt(4 * page) : (1L + g.nextInt(4)) * page;
    int p = g.nextInt(10);
    Prot prot = p < 7 ? Prot.READ_WRITE : p < 9 ? Prot.READ : Prot.NONE;
    Sharing sharing = g.nextInt(10) < 7 ? Sharing.SHARED : Sharing.PRIVATE;
    boolean sync = sharing == Sharing.SHARED && (g.caps().mapSync() ? g.nextInt(3) == 0 : g.invalid());
    return new Mmap(id, f.id(), off, len, prot, sharing, sync);
  }

  @Override
  public String problem(Layout layout) {
    if (file == null && (offset != 0 || sync)) {
      return "an anonymous mapping has offset 0 and no sync";
    }
    if (sync && sharing != Sharing.SHARED) {
      return "sync needs a shared mapping (MAP_SHARED_VALIDATE|MAP_SYNC)";
    }
    return Bounds.first(Bounds.range("offset", offset, 0, Bounds.MAX_FILE), Bounds.range("length", length, 0, Bounds.MAX_FILE));
  }

  @Override
  public Object makes() {
    return map;
  }

  @Override
  public java.util.List<Mmap> shapes(Layout layout) {
    return java.util.List.of(this);
  }
}
