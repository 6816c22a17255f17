package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.DeviceMemory;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * HMM_DMIRROR_SNAPSHOT of {@code pages} pages at {@code offset}: one byte per page describing the CPU
 * page table entry, without faulting (R37). PTE state moves with fault-around, writeback and reclaim,
 * so per page the model allows a set, with exact parts: 0xFF exactly when the VMA is not readable, only
 * 0x00 wholly beyond EOF, WRITE only where the CPU could have a writable PTE. No PMD bit: mappings here
 * are a few pages, and the executors turn transparent huge pages off for their process, without which
 * khugepaged may collapse a mapping merged with the executor's own memory (R37).
 */
public record Snapshot(MapId map, long offset, int pages, @Defaulted int device) implements DevicePages {
  static final byte ERROR = (byte) 0xff;
  static final byte NONE = 0x00;
  static final byte READ = 0x01;
  static final byte WRITE = 0x02;
  static final byte ZERO_READ = 0x11;
  static final byte DEV_PRIVATE_LOCAL = 0x20;
  static final byte DEV_COHERENT_LOCAL = 0x40;
  static final byte DEV_COHERENT_REMOTE = 0x50;

  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    int page = model.page();
    if (offset % page != 0 || pages == 0) {
      return Expected.error(Errno.EINVAL, "R33 test_hmm: unaligned address or npages 0");
    }
    List<Set<Byte>> choices = new ArrayList<>();
    for (int p = 0; p < pages; p++) {
      long off = offset + (long) p * page;
      if (!m.prot().readable()) {
        choices.add(Set.of(ERROR));
      } else if (model.faultAt(m, off, false) == Signal.SIGBUS) {
        choices.add(Set.of(NONE));
      } else {
        long idx = off / page;
        boolean anon = m.sharing() == Sharing.PRIVATE && model.copied(m, idx);
        // R113: a fork write-protected this anonymous page in the parent; only a write fault since
        // makes its PTE writable again.
        boolean forkProtected = model.forkProtected(m, idx);
        boolean canWrite = m.prot().writable() && (m.sharing() == Sharing.SHARED || anon) && !forkProtected;
        Set<Byte> allowed = new HashSet<>();
        if (m.anonymous() && m.sharing() == Sharing.PRIVATE && !anon) {
          // R37/R110: a private anonymous page never written: no PTE, or the shared zero page after a
          // read fault (do_anonymous_page), never a page of its own.
          allowed.addAll(Set.of(NONE, ZERO_READ));
        } else if (model.dax(m) && !anon) {
          allowed.addAll(canWrite ? Set.of(NONE, READ, WRITE, ZERO_READ) : Set.of(NONE, READ, ZERO_READ));
        } else {
          allowed.addAll(canWrite ? Set.of(NONE, READ, WRITE) : Set.of(NONE, READ));
        }
        if (model.maybeZeroPage(m, idx)) {
          allowed.add(ZERO_READ); // R38: the migration that would have filled it may have failed
        }
        int holders = model.devicesMaybeHolding(m, idx);
        for (int d = 0; holders >> d != 0; d++) {
          if ((holders & (1 << d)) == 0) {
            continue;
          }
          byte kind;
          if (DeviceMemory.of(d) == DeviceMemory.COHERENT) {
            // R121: a device-coherent page is a present PTE whoever asks (hmm_vma_handle_pte), named
            // local through its own device's mirror and remote through the others (dmirror_mkentry);
            // mprotect and fork make it read-only like any anonymous PTE.
            kind = d == device ? DEV_COHERENT_LOCAL : DEV_COHERENT_REMOTE;
          } else if (d == device) {
            // R37/R38: a page on this device's private memory; any mprotect since makes its entry
            // read-only (mm/mprotect.c change_pte_range, make_readable_device_private_entry).
            kind = DEV_PRIVATE_LOCAL;
          } else {
            // A page on another device's private memory reads 0x00 (R93: hmm_vma_handle_pte reports
            // a device-private page it need not fault only to its owner), which the set allows anyway.
            continue;
          }
          allowed.add((byte) (kind | READ));
          if (m.prot().writable() && !forkProtected) {
            allowed.add((byte) (kind | WRITE));
          }
        }
        choices.add(Set.copyOf(allowed));
      }
    }
    return Expected.okChoices(pages, choices, "R37 snapshot: allowed PTE states per page");
  }

  @Override
  public DeviceCommand command() {
    return DeviceCommand.SNAPSHOT;
  }

  public static Op generate(Generation g) {
    return DevicePages.generate(g, Snapshot::new);
  }
}
