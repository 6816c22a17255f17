package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.model.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * mremap(2) of the whole mapping (R82-R86, read in mm/mremap.c of 6.1.192 and 6.12.117 and in the
 * upstream rework of 6.16-6.17): old_address its start, old_len its length (0 for DUPLICATE), new_len
 * {@code newLength}, the flags and destination of {@code mode} ({@link Remap}). The mapping keeps its
 * name through every resize and move; {@code second} names the second mapping the call leaves, the
 * emptied old range of DONTUNMAP or the copy DUPLICATE makes, and is the mapping itself in the other
 * modes.
 *
 * <p>The versions differ in one place a valid program reaches: DONTUNMAP compares the lengths as given
 * up to 6.16 (an unaligned length the other does not match exactly is EINVAL) and page-aligned from
 * 6.17 on (R82 step 3), keyed by the kernel's version. Every other outcome, and which pages the
 * mapping has after the call, is the same in all of them.
 */
public record Mremap(MapId map, long newLength, Remap mode, MapId second) implements Op {
  @Override
  public Expected model(Model model, int index) {
    ModelMapping m = model.liveMapping(map);
    if (m == null) {
      return Expected.notLive();
    }
    Expected refused = refused(model, m);
    if (refused != null) {
      return refused;
    }
    long oldLength = m.length();
    int page = model.page();
    long oldPages = model.roundUpPage(oldLength) / page;
    long newPages = model.roundUpPage(newLength) / page;
    // A valid program moves no mapping an mlock or munlock of part of it may have split (problem()), so
    // the mapping is one VMA here where mremap moves it: locked all through, or not at all.
    int lock = model.lockState(m);
    String locked = lock > 0 ? "; VM_LOCKED, so the extension is populated (R83: mm_populate, errors ignored)" : "";
    switch (mode) {
      case SHRINK -> {
        model.resize(m, newLength);
        return Expected.ok(0, "R83 shrink in place: do_munmap of the pages past new_len (their private copies"
            + " and device entries go, the mirror is invalidated there); returns old_address");
      }
      case GROW -> {
        model.resize(m, newLength);
        model.mayHaveMoved(m);
        lockedExtension(model, m, lock, oldPages, newPages);
        return Expected.ok(0, "R83/R84 MREMAP_MAYMOVE growth: in place where the next gap allows (the extension maps"
            + " the next file offsets, no PTE), else move_vma; either way every page shows what it showed" + locked);
      }
      case MOVE -> {
        model.resize(m, newLength);
        model.moved(m);
        lockedExtension(model, m, lock, oldPages, newPages);
        return Expected.ok(0, "R84 MREMAP_FIXED onto a reservation: its munmap, the tail past new_len unmapped, then"
            + " move_vma: PTEs move (private copies keep their bytes, device-private pages stay on the device),"
            + " MMU_NOTIFY_UNMAP over the old range" + locked);
      }
      case DONTUNMAP -> {
        model.resize(m, newLength);
        model.moved(m);
        model.addMapping(second, m.file(), m.offset(), oldLength, m.prot(), m.sharing(), m.sync());
        return Expected.ok(0, "R85 MREMAP_DONTUNMAP: the PTEs move as in R84, the old VMA stays with none (it"
            + " faults the file's current bytes again, private copies gone from it; VM_LOCKED cleared on it)");
      }
      case DUPLICATE -> {
        ModelMapping copy = model.addMapping(second, m.file(), m.offset(), newLength, m.prot(), m.sharing(), m.sync());
        boolean firstLocked = m.locked(0);
        if (firstLocked) {
          lockedExtension(model, copy, 1, 0, newPages);
        }
        return Expected.ok(0, "R86 old_len 0 on a shared mapping: a second VMA of the same file offset, new_len long,"
            + " no PTE yet; the mapping itself stays as it was" + (firstLocked ? "; a copy of the first VMA's"
            + " VM_LOCKED, so populated (move_vma, then mm_populate of all new_len)" : ""));
      }
      default -> throw new IllegalStateException(mode.toString());
    }
  }

  /**
   * R83: a VM_LOCKED VMA that grew (in place, moved, or made by old_len 0) keeps the new pages locked and
   * populates them (SYSCALL mremap 6.1/6.12: mm_populate(new_addr + old_len, new_len - old_len); 6.16+
   * do_mremap the same), its errors ignored: a writable private mapping's pages are copied on write up to
   * the first page wholly beyond EOF.
   */
  private static void lockedExtension(Model model, ModelMapping m, int lock, long from, long to) {
    if (lock <= 0 || to <= from) {
      return;
    }
    model.setLocked(m, from, to, true);
    model.populate(m, from, to);
  }

  /** R82's errors a valid program can meet, in the kernel's order; null where the call goes ahead. */
  private Expected refused(Model model, ModelMapping m) {
    if (mode == Remap.DONTUNMAP) {
      // SYSCALL mremap (6.1.192, 6.12.117): "old_len != new_len" before PAGE_ALIGN. From 6.17 on
      // do_mremap aligns both first ("mm/mremap: refactor initial parameter sanity checks", the rework
      // that lets MREMAP_FIXED move several VMAs), and check_mremap_params compares the aligned ones.
      boolean aligned = model.caps().kernel().atLeast(6, 17);
      long oldLength = aligned ? model.roundUpPage(m.length()) : m.length();
      long newLen = aligned ? model.roundUpPage(newLength) : newLength;
      if (oldLength != newLen) {
        return Expected.error(Errno.EINVAL, "R82 step 3: MREMAP_DONTUNMAP with old_len != new_len ("
            + (aligned ? "page-aligned, 6.17+ check_mremap_params" : "as given, before PAGE_ALIGN (6.1, 6.12)") + ")");
      }
    }
    if (newLength == 0) {
      return Expected.error(Errno.EINVAL, "R82 step 5: new_len 0 after PAGE_ALIGN");
    }
    if (mode == Remap.DUPLICATE && m.sharing() == Sharing.PRIVATE) {
      return Expected.error(Errno.EINVAL, "R86 vma_to_resize: old_len 0 on a private mapping (\"attempted to"
          + " duplicate a private mapping\")");
    }
    return null;
  }

  @Override
  public Outcome execute(Execution x, int index) {
    Execution.Region r = x.region(map);
    if (r == null) {
      return Outcome.notLive();
    }
    SysResult s = x.kernel().mremap(r.address(), mode == Remap.DUPLICATE ? 0 : r.length(), newLength, mode);
    if (!s.failed()) {
      switch (mode) {
        case SHRINK, GROW, MOVE -> x.remapped(map, s.value(), newLength);
        case DONTUNMAP -> {
          x.mappedLike(second, map, r.address(), r.length());
          x.remapped(map, s.value(), newLength);
        }
        case DUPLICATE -> x.mappedLike(second, map, s.value(), newLength);
        default -> throw new IllegalStateException(mode.toString());
      }
    }
    return Outcome.of(s, false); // the address is the kernel's to choose
  }

  /** Whether this mode may move the mapping's page-table entries (GROW where it cannot stay in place). */
  private boolean moves() {
    return mode == Remap.GROW || mode == Remap.MOVE || mode == Remap.DONTUNMAP;
  }

  /** Whether this mode makes a second mapping (named by {@code second}). */
  private boolean makesSecond() {
    return mode == Remap.DONTUNMAP || mode == Remap.DUPLICATE;
  }

  @Override
  public Object makes() {
    return makesSecond() ? second : null;
  }

  /**
   * The mapping's shape after the call where it succeeds (its errors do not depend on the kernel's
   * version, except DONTUNMAP's, which never changes the mapping's pages either way), and the second
   * mapping's as it would be made (a program names it only where the model made it live).
   */
  @Override
  public List<Mmap> shapes(Layout layout) {
    Mmap now = layout.mmapOf(map);
    if (now == null) {
      return List.of();
    }
    List<Mmap> out = new ArrayList<>(2);
    switch (mode) {
      case SHRINK, GROW, MOVE -> {
        if (newLength > 0) {
          out.add(shaped(now, map, newLength));
        }
      }
      case DONTUNMAP -> out.add(shaped(now, second, now.length()));
      case DUPLICATE -> out.add(shaped(now, second, newLength));
      default -> throw new IllegalStateException(mode.toString());
    }
    return out;
  }

  private static Mmap shaped(Mmap like, MapId id, long length) {
    return new Mmap(id, like.file(), like.offset(), length, like.prot(), like.sharing(), like.sync());
  }

  /**
   * {@code second} names a new mapping exactly where the mode makes one; lengths within the model's range;
   * SHRINK (no MREMAP_MAYMOVE) to no more pages than the mapping has, since its growth in place would
   * depend on what else the address space holds next to it (R82 step 9: ENOMEM or growth).
   */
  @Override
  public String problem(Layout layout) {
    if (makesSecond() == second.equals(map)) {
      return makesSecond() ? mode.name().toLowerCase(java.util.Locale.ROOT) + " makes a second mapping, which second"
          + " must name (not " + map + ")" : "second must be the mapping itself (" + map + ") where "
          + mode.name().toLowerCase(java.util.Locale.ROOT) + " makes none";
    }
    if (moves() && layout.maybeSplit(map)) {
      return mode.name().toLowerCase(java.util.Locale.ROOT) + " of a mapping an mlock or munlock of part of it"
          + " may have left in several VMAs (R79: vma_merge does not join them again where their anon_vmas"
          + " differ), which mremap treats otherwise (R82: EFAULT; from 6.17 a move of several VMAs)";
    }
    if (layout.mmapOf(map).anonymous()) {
      return "mremap of anonymous memory is not modelled (R110's memory keeps the size it was made with)";
    }
    String p = Bounds.range("newLength", newLength, 0, Bounds.MAX_FILE);
    if (p != null) {
      return p;
    }
    long pages = (layout.mmapOf(map).length() + 4095) / 4096;
    if (mode == Remap.SHRINK && (newLength + 4095) / 4096 > pages) {
      return "shrink to 0x" + Long.toHexString(newLength) + " is growth past the mapping's " + pages
          + " pages without MREMAP_MAYMOVE, which depends on the address space around it";
    }
    return null;
  }

  /** The longest mapping generated (a mapping is made with at most four pages). */
  private static final int MAX_PAGES = 8;

  /**
   * A live mapping resized, moved, left behind (DONTUNMAP) or duplicated: lengths mostly whole pages, a
   * share unaligned; at the invalid share new_len 0, a DONTUNMAP to another length (EINVAL, or on 6.17+
   * the same pages), old_len 0 on a private mapping.
   */
  public static Op generate(Generation g) {
    ModelMapping m = g.liveMapping();
    if (m == null || m.anonymous()) {
      return null;
    }
    int page = g.page();
    int pages = (int) (g.model().roundUpPage(m.length()) / page);
    MapId next = g.nextMapping();
    boolean invalid = g.invalid();
    int pick = g.nextInt(12);
    Remap mode = pick < 2 ? Remap.SHRINK : pick < 5 ? Remap.GROW : pick < 8 ? Remap.MOVE
        : pick < 11 ? Remap.DONTUNMAP : Remap.DUPLICATE;
    if (mode == Remap.DUPLICATE && m.sharing() == Sharing.PRIVATE && !invalid) {
      mode = Remap.DONTUNMAP;
    }
    if ((mode == Remap.DONTUNMAP || mode == Remap.DUPLICATE) && next == null) {
      mode = Remap.MOVE;
    }
    boolean moves = mode == Remap.GROW || mode == Remap.MOVE || mode == Remap.DONTUNMAP;
    if (moves && (g.model().anyMaybeOnDevice(m) || g.model().maybeSplit(m))) {
      // R93/R115: a move keeps a device-private page's PTE and erases the mirror's entry for it, and
      // test_hmm's next device access of it Oopses (kernel-6.1-xfs-test-hmm-device-read-after-mremap-
      // move-oops.repro), as after mprotect: not generated, so that campaigns find other things than that
      // crash. A mapping that may be split into several VMAs is not moved either (problem()).
      mode = Remap.SHRINK;
    }
    long len = switch (mode) {
      case SHRINK -> (1L + g.nextInt(pages)) * page;
      case GROW -> (long) Math.min(MAX_PAGES, pages + 1 + g.nextInt(3)) * page;
      case MOVE -> (long) (g.nextBoolean() ? pages : 1 + g.nextInt(MAX_PAGES)) * page;
      case DONTUNMAP -> m.length();
      case DUPLICATE -> (1L + g.nextInt(4)) * page;
    };
    if (mode != Remap.DONTUNMAP && g.nextInt(5) == 0) {
      len -= 1 + g.nextInt(page - 1); // an unaligned length, rounded up by the kernel to the same pages
    }
    if (invalid && !(mode == Remap.DUPLICATE && m.sharing() == Sharing.PRIVATE)) {
      len = mode == Remap.DONTUNMAP && g.nextBoolean() ? m.length() + 1 + g.nextInt(2 * page) : 0;
    }
    return new Mremap(m.id(), len, mode, mode == Remap.DONTUNMAP || mode == Remap.DUPLICATE ? next : m.id());
  }

  /** Every page of the mapping, and those a growth adds. */
  @Override
  public List<Pages> pages(Layout layout) {
    return Pages.ofMapping(map, layout.mmapOf(map), 0, Math.max(layout.mmapOf(map).length(), newLength));
  }
}
