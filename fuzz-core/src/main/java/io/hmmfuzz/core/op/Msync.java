package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/** msync(2) of the whole mapping (R4). MS_SYNC on a shared mapping is vfs_fsync_range over its file range. */
public record Msync(MapId map, MsyncMode mode) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    if (mode == MsyncMode.SYNC_ASYNC) {
      return Expected.error(Errno.EINVAL, "R4 msync: MS_SYNC|MS_ASYNC");
    }
    boolean invalidate = mode == MsyncMode.INVALIDATE || mode == MsyncMode.SYNC_INVALIDATE;
    long span = model.roundUpPage(m.length());
    long locked = invalidate ? m.firstLocked(0, span / model.page()) : -1;
    // R78: msync walks the VMAs in order; MS_INVALIDATE on a VM_LOCKED one answers EBUSY there, after the
    // VMAs before it were synced (MS_SYNC: vfs_fsync_range of each one's file range). Anonymous memory has
    // no writeback (shmem's fsync is a no-op; a private one has no file at all).
    long synced = locked >= 0 ? locked * model.page() : span;
    if ((mode == MsyncMode.SYNC || mode == MsyncMode.SYNC_INVALIDATE) && m.sharing() == Sharing.SHARED
        && !m.anonymous() && synced > 0) {
      model.writeback(model.file(m.file()), m.offset(), m.offset() + synced, index);
    }
    if (locked >= 0) {
      return Expected.error(Errno.EBUSY, "R78/R79 msync: MS_INVALIDATE on a VM_LOCKED VMA (page " + locked
          + " of the mapping)");
    }
    return Expected.ok(0, "R4 msync");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    return r == null ? Outcome.notLive() : Outcome.of(x.kernel().msync(r.address(), r.length(), mode), true);
  }

  /** Any mode but the invalid MS_SYNC|MS_ASYNC, which only invalid arguments pick. */
  public static Op generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null) {
      return null;
    }
    MsyncMode mode = g.invalid() ? MsyncMode.SYNC_ASYNC : MsyncMode.values()[g.nextInt(MsyncMode.values().length - 1)];
    return new Msync(m.id(), mode);
  }

  /** Every page of the mapping. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map));
  }
}
