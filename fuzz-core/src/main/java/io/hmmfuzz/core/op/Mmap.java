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
 * MAP_SHARED_VALIDATE|MAP_SYNC.
 */
public record Mmap(MapId map, FileId file, long offset, long length, Prot prot, Sharing sharing, boolean sync)
    implements Op {

  @Override
  public Expected model(Model model, int index) {
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
    if (f == null || id == null) {
      return null;
    }
    int page = g.page();
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
