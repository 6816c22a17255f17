package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * madvise(2) of [offset, offset + length) of the mapping (R60-R67, read in mm/madvise.c and mm/gup.c of
 * 6.1.192 and 6.12.117). A valid program keeps the range inside the mapping's pages, so that the walk
 * visits exactly the mapping's VMA; the kernel rounds the length up to pages (R60).
 *
 * <p>The two versions differ in two places, neither reachable here, so no rule is keyed by version:
 * POPULATE over a gap (6.1 skips it and answers ENOMEM at the end, 6.12's madvise_populate answers
 * ENOMEM at the gap, R67), and PAGEOUT's permission check (6.1 can_do_pageout, 6.12
 * can_do_file_pageout, R66), which the file's owner, and root, always pass.
 */
public record Madvise(MapId map, long offset, long length, Advice advice) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    if (!model.caps().madvise()) {
      return Expected.error(Errno.ENOSYS, "R60 a kernel without CONFIG_ADVISE_SYSCALLS has no madvise(2)"
          + " (sys_ni_syscall; kernel/sys_ni.c)");
    }
    int page = model.page();
    if (offset % page != 0) {
      return Expected.error(Errno.EINVAL, "R60 do_madvise: start not page aligned");
    }
    long end = offset + model.roundUpPage(length);
    // No mapping is VM_PFNMAP or hugetlb. VM_LOCKED (mlock, R79) refuses DONTNEED, REMOVE, COLD and
    // PAGEOUT per VMA: the walk (R60) has already applied the advice to the unlocked VMAs before the first
    // locked one, then answers EINVAL.
    long locked = switch (advice) {
      case DONTNEED, REMOVE, COLD, PAGEOUT -> m.firstLocked(offset / page, end / page);
      default -> -1;
    };
    if (locked >= 0) {
      long lockedAt = locked * page;
      if (lockedAt > offset) {
        Expected before = new Madvise(map, offset, lockedAt - offset, advice).model(model, index);
        if (before.status() != io.hmmfuzz.core.model.Outcome.Status.OK) {
          return before;
        }
      }
      return Expected.error(Errno.EINVAL, "R79/R" + switch (advice) {
        case DONTNEED -> "61 madvise_dontneed_free_valid_vma";
        case REMOVE -> "63 madvise_remove";
        default -> (advice == Advice.COLD ? "65" : "66") + " can_madv_lru_vma";
      } + ": page " + locked + " of the mapping is in a VM_LOCKED VMA (EINVAL; the VMAs before it are"
          + " already done)");
    }
    return switch (advice) {
      case DONTNEED -> {
        model.zap(m, offset / page, end / page);
        yield Expected.ok(0, "R61 MADV_DONTNEED: zap_page_range_single(details NULL) drops the range's PTEs,"
            + " private copies and device entries with them; the pages show the file again");
      }
      case REMOVE -> {
        if (m.anonymous() && m.sharing() == Sharing.PRIVATE) {
          yield Expected.error(Errno.EINVAL, "R63 madvise_remove: no vma->vm_file (private anonymous memory)");
        }
        if (m.sharing() != Sharing.SHARED) {
          yield Expected.error(Errno.EACCES, "R63 madvise_remove: !vma_is_shared_maywrite (MAP_PRIVATE)");
        }
        // Files are opened O_RDWR, so every shared mapping has VM_MAYWRITE, whatever its protection
        // (PROT_READ and PROT_NONE included): the hole is punched through the VMA's file, even when
        // the program closed its fd.
        // A shared anonymous mapping's file is its shmem object (shmem_zero_setup): the punch is shmem's.
        ModelFile f = model.backing(m);
        long from = m.offset() + offset;
        long to = m.offset() + end;
        PunchHole.punch(model, f, from, to - from, index);
        long eofPage = model.roundDownPage(f.size());
        if (from <= eofPage && eofPage < to) {
          // The range is whole pages: an EOF page inside it leaves the page cache whole and its blocks
          // are freed (shmem_undo_range; xfs_free_file_space: xfs_flush_unmap_range, then
          // xfs_unmap_extent; ext4_punch_hole stretches the hole to the end of the EOF page;
          // btrfs_punch_hole writes back first, which zeroes the tail, R13), so read again its post-EOF
          // bytes are zeros: definitely, where a punch of part of the page only may zero them.
          model.zeroPostEof(f, index);
        }
        yield Expected.ok(0, "R63 MADV_REMOVE: vfs_fallocate(PUNCH_HOLE|KEEP_SIZE) of the mapping's file range");
      }
      case COLD -> Expected.ok(0, "R65 MADV_COLD: young bits cleared, folios deactivated; no content change");
      case PAGEOUT -> Expected.ok(0, "R66 MADV_PAGEOUT: folios mapped once may be reclaimed; dirty file folios"
          + " and device entries are kept, anonymous ones only go to swap; no content change");
      case WILLNEED -> Expected.ok(0, "R64 MADV_WILLNEED: readahead (shmem swap-in, ignored on DAX; private"
          + " anonymous memory: swap-in, CONFIG_SWAP, which every target kernel has); no content change, past EOF no error");
      case POPULATE_READ, POPULATE_WRITE -> populate(model, m, end);
    };
  }

  /**
   * R67: check_vma_flags refuses the VMA first (EINVAL, nothing faulted: no VM_READ for a read, no
   * VM_WRITE for a write); then the pages are faulted in ascending order like CPU accesses (a
   * device-private page migrates back, an exclusive entry is restored), a write fault copying a
   * MAP_PRIVATE page on write (R10); the first page wholly beyond EOF ends it with EFAULT
   * (VM_FAULT_SIGBUS through vm_fault_to_errno, no signal), the pages before it staying populated.
   */
  private Expected populate(Model model, ModelMapping m, long end) {
    boolean write = advice == Advice.POPULATE_WRITE;
    int page = model.page();
    if (write ? !m.prot().writable() : !m.prot().readable()) {
      return Expected.error(Errno.EINVAL,
          "R67 check_vma_flags: " + (write ? "no VM_WRITE" : "no VM_READ") + " (-EINVAL for MADV_POPULATE)");
    }
    for (long p = offset / page; p < end / page; p++) {
      if (model.faultAt(m, p * page, write) != Signal.NONE) {
        return Expected.error(Errno.EFAULT, "R67 page " + p + " of the mapping wholly beyond EOF: VM_FAULT_SIGBUS"
            + " is EFAULT, no signal; the pages before it are populated");
      }
      if (write) {
        model.writeFault(m, p);
      } else {
        model.faulted(m, p * page, 1);
      }
    }
    return Expected.ok(0, write ? "R67 MADV_POPULATE_WRITE: every page write-faulted (private ones copied)"
        : "R67 MADV_POPULATE_READ: every page read-faulted");
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    return r == null ? Outcome.notLive() : Outcome.of(x.kernel().madvise(r.address() + offset, length, advice), true);
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    Mmap mm = layout.mmapOf(map);
    long from = mm.offset() + offset;
    return mm.file() == null ? List.of() : List.of(new Footprint(mm.file(), from, from + (length + 4095) / 4096 * 4096,
        advice == Advice.REMOVE ? 'W' : 'R'));
  }

  /** The weights of the advice when generated, in {@link Advice} order. */
  private static final int[] ADVICE_WEIGHTS = {4, 3, 1, 2, 1, 2, 3};

  /**
   * A range of a live mapping from a random page on, inside its pages: whole pages mostly, a share with a
   * length the kernel rounds up; at the invalid share an unaligned start (R60's EINVAL).
   */
  public static Op generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null || (!g.caps().madvise() && !g.invalid())) {
      return null; // without madvise(2), only its ENOSYS, at the share of invalid calls
    }
    int page = g.page();
    long span = g.model().roundUpPage(m.length());
    long off = (long) g.nextInt((int) (span / page)) * page;
    long room = span - off;
    long len = g.nextInt(4) == 0 ? 1 + g.rng().nextLong(room) : (1L + g.nextInt((int) (room / page))) * page;
    if (g.invalid()) {
      off += 1 + g.nextInt(page - 1);
      len = Math.max(1, Math.min(len, span - off));
    }
    int total = 0;
    for (int w : ADVICE_WEIGHTS) {
      total += w;
    }
    int pick = g.nextInt(total);
    Advice advice = null;
    for (Advice a : Advice.values()) {
      pick -= ADVICE_WEIGHTS[a.ordinal()];
      if (pick < 0) {
        advice = a;
        break;
      }
    }
    return new Madvise(m.id(), off, len, advice);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.access(offset, length, layout.mmapOf(map));
  }

  /** The pages of the mapping's range, anonymous or of its file. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), offset, length);
  }
}
