package io.hmmfuzz.core.model;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.DeviceMemory;
import io.hmmfuzz.core.exec.ModelBugException;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model: an executable specification of Linux semantics for files, the page cache and
 * mappings. Op records hold the rules ({@code Op.model}); this class holds the state and the
 * primitives they share (EOF, extension, truncation, copy-on-write, access through a mapping). Rule
 * ids (R#, U#) refer to the project's notes on Linux semantics, which give the sources.
 */
public final class Model {
  private final Capabilities caps;
  private final int page;
  private final Map<FileId, ModelFile> files = new TreeMap<>();
  private final Map<MapId, ModelMapping> mappings = new TreeMap<>();

  public Model(Capabilities caps) {
    this.caps = caps;
    this.page = caps.pageSize();
  }

  public Capabilities caps() {
    return caps;
  }

  public int page() {
    return page;
  }

  public ModelFile file(FileId id) {
    return files.get(id);
  }

  public ModelMapping mapping(MapId id) {
    return mappings.get(id);
  }

  public Collection<ModelFile> files() {
    return files.values();
  }

  public Collection<ModelMapping> mappings() {
    return mappings.values();
  }

  /** A file whose fd is open (its creating op succeeded and it was not closed). */
  public ModelFile openFile(FileId id) {
    ModelFile f = files.get(id);
    return f != null && f.open ? f : null;
  }

  /** A mapping whose mmap succeeded and that is not unmapped. */
  public ModelMapping liveMapping(MapId id) {
    ModelMapping m = mappings.get(id);
    return m != null && m.live ? m : null;
  }

  public ModelFile createFile(FileId id) {
    if (files.containsKey(id)) {
      throw new ModelBugException(id + " created twice");
    }
    ModelFile f = new ModelFile(id);
    files.put(id, f);
    return f;
  }

  public ModelMapping addMapping(MapId id, FileId file, long offset, long length, Prot prot, Sharing sharing,
      boolean sync) {
    ModelMapping m = new ModelMapping(id, file, offset, length, prot, sharing, sync, null);
    mappings.put(id, m);
    return m;
  }

  /**
   * An anonymous mapping (R110): its memory reads zero until written; private, its written pages are
   * anonymous pages (the model's private copies of a zero-filled backing); shared, it is a shmem object
   * of the mapping's size (mm/shmem.c shmem_zero_setup), whose pages every mapping of it (the parent's
   * and a forked child's) shares.
   */
  public ModelMapping addAnonymousMapping(MapId id, long length, Prot prot, Sharing sharing) {
    ModelFile backing = new ModelFile(null);
    backing.size = roundUpPage(length);
    backing.cache.resize(idx(backing.size));
    ModelMapping m = new ModelMapping(id, null, 0, length, prot, sharing, false, backing);
    mappings.put(id, m);
    return m;
  }

  /** The memory a mapping shows: its file, or an anonymous mapping's own zero-filled backing. */
  public ModelFile backing(ModelMapping m) {
    return m.file == null ? m.anon : files.get(m.file);
  }

  /** Whether mapping m maps file f (never true of an anonymous mapping but for its own backing). */
  private static boolean maps(ModelMapping m, ModelFile f) {
    return m.file == null ? m.anon == f : m.file.equals(f.id);
  }

  /** Whether m's pages are DAX pages: a file mapping on a DAX filesystem (never anonymous memory). */
  public boolean dax(ModelMapping m) {
    return caps.dax() && m.file != null;
  }

  public void unmap(ModelMapping m) {
    m.live = false;
    m.forgetPagesFrom(0);
  }

  /**
   * R83: m now spans {@code length} bytes in place (mremap's shrink, or growth in place): the pages
   * past its new end are unmapped (do_munmap: private copies freed, device entries zapped, the mirror
   * invalidated over them with MMU_NOTIFY_UNMAP); an extension maps the next file offsets, with no
   * page-table entry yet.
   */
  public void resize(ModelMapping m, long length) {
    long pages = roundUpPage(length) / page;
    m.forgetPagesFrom(pages);
    m.locked.tailSet(pages, true).clear();
    m.length = length;
  }

  /**
   * How mlock left m's VMAs (R79): 0 none locked, 1 one VMA, every page locked, -1 split into several
   * VMAs (mlock of part of it).
   */
  public int lockState(ModelMapping m) {
    long pages = roundUpPage(m.length) / page;
    long locked = m.locked.headSet(pages).size();
    return locked == 0 ? 0 : locked == pages ? 1 : -1;
  }

  /**
   * R84: m's page-table entries moved to a new address (mm/mremap.c move_page_tables): private copies
   * and device-private entries go with them, so the pages show what they showed and device pages stay
   * on the device; the mirrors' entries for the old addresses are erased (MMU_NOTIFY_UNMAP over the old
   * range, lib/test_hmm.c dmirror_interval_invalidate) and they have none for the new ones, so no mirror
   * holds an atomic entry any more (a device-exclusive entry moves as it is, and a CPU access restores it
   * as before), and every page in a device's memory has lost its entry there: R93's hazard (seen on
   * 6.1.192: corpus kernel-6.1-xfs-test-hmm-device-read-after-mremap-move-oops.repro).
   */
  public void moved(ModelMapping m) {
    m.exclusive.clearAll();
    mayHaveMoved(m);
  }

  /**
   * m's page-table entries may have moved (an mremap growth moves the VMA where the next gap does not
   * allow it in place, R83/R84): every page in a device's memory may have lost its mirror entry there
   * (R93's hazard); an atomic entry may stay.
   */
  public void mayHaveMoved(ModelMapping m) {
    for (long p : m.onDevice.pages()) {
      orphan(m, p, m.onDevice.devices(p));
    }
  }

  public void close(ModelFile f) {
    f.open = false;
  }

  /**
   * mprotect to a new protection invalidates the mirror over the VMA (mm/mprotect.c change_protection,
   * MMU_NOTIFY_PROTECTION_VMA), so no page stays exclusive to the device (lib/test_hmm.c
   * dmirror_interval_invalidate); device-private entries stay on the device, made read-only
   * (change_pte_range). Same protection: mprotect_fixup returns early.
   */
  public void protect(ModelMapping m, Prot prot) {
    if (prot != m.prot) {
      m.exclusive.clearAll();
      for (long p : m.onDevice.pages()) {
        orphan(m, p, m.onDevice.devices(p));
      }
    }
    m.prot = prot;
  }

  // ---- sizes -------------------------------------------------------------------------------

  public long roundUpPage(long x) {
    return (x + page - 1) / page * page;
  }

  public long roundDownPage(long x) {
    return x / page * page;
  }

  private static int idx(long x) {
    if (x > Integer.MAX_VALUE) {
      throw new ModelBugException("offset 0x" + Long.toHexString(x) + " beyond the model's range");
    }
    return (int) x;
  }

  // ---- writes, extension, truncation ------------------------------------------------------------

  /**
   * Tagged data written by op {@code op} over [off, off+len) of the page cache. Bytes that land beyond
   * EOF (a store into the EOF page, R13) are post-EOF bytes: writeback may zero them at any time on
   * disk filesystems (U1).
   */
  public void writeTagged(ModelFile f, long off, long len, int op) {
    ensureCache(f, off + len);
    f.cache.tag(idx(off), idx(off + len), op, off);
    markPostEofUncertain(f);
  }

  /**
   * Bytes copied into the page cache of f at {@code off} (copy_file_range's splice copy, R72): the
   * cells keep their provenance (the op that wrote them first), so a report follows them. Bytes that
   * land beyond EOF would be post-EOF bytes, as for {@link #writeTagged}.
   */
  public void writeCells(ModelFile f, long off, Cells data) {
    ensureCache(f, off + data.length());
    f.cache.copyFrom(data, 0, idx(off), data.length());
    markPostEofUncertain(f);
  }

  private void ensureCache(ModelFile f, long end) {
    long need = Math.max(roundUpPage(f.size), roundUpPage(end));
    if (need > f.cache.length()) {
      f.cache.resize(idx(need));
    }
  }

  /** U1: on disk filesystems writeback may zero the post-EOF bytes of the EOF page at any moment. */
  void markPostEofUncertain(ModelFile f) {
    if (caps.writebackZeroesPostEof()) {
      long end = roundUpPage(f.size);
      f.cache.allowZero(idx(f.size), idx(Math.min(end, f.cache.length())));
    }
  }

  /**
   * R13: explicit writeback (fsync, msync MS_SYNC) of a range containing the EOF page zeroes its
   * post-EOF bytes in the page cache on disk filesystems (iomap_writepage_handle_eof,
   * ext4_bio_write_folio, extent_writepage).
   */
  public void writeback(ModelFile f, long from, long to, int op) {
    if (!caps.writebackZeroesPostEof() || f.size % page == 0) {
      return;
    }
    long eofPage = roundDownPage(f.size);
    if (from < eofPage + page && to > eofPage) {
      f.cache.settleZero(idx(f.size), idx(roundUpPage(f.size)), op);
    }
  }

  /**
   * R14/R18: the file grows to {@code newSize}; {@code holeEnd} is where the growing op's own data
   * starts (newSize for ftruncate). On disk filesystems the old EOF page's bytes in [old size,
   * holeEnd) read zero (pagecache_isize_extended, iomap zeroing; fstests generic/363). tmpfs keeps
   * them as file data (U2, mmap(2) BUGS; shmem_setattr does not zero on growth).
   */
  public void extend(ModelFile f, long newSize, long holeEnd, int op) {
    long old = f.size;
    if (newSize <= old) {
      return;
    }
    ensureCache(f, newSize);
    if (caps.extensionZeroesPostEof()) {
      long to = Math.min(holeEnd, roundUpPage(old));
      if (to > old) {
        f.cache.zero(idx(old), idx(to), op);
      }
    }
    f.size = newSize;
    markPostEofUncertain(f);
  }

  /**
   * R17: the file shrinks (or is truncated to its own size) to n. i_size = n; the page-cache bytes of
   * the new EOF page beyond n are zeroed (truncate_pagecache / shmem_truncate_range); pages wholly
   * beyond n are dropped from every mapping with even_cows = 1 (mm/truncate.c truncate_pagecache, and
   * shmem_setattr's unmap_mapping_range(..., 1)), so private copies there are lost; a private copy of
   * the EOF page keeps its bytes.
   */
  public void truncateTo(ModelFile f, long n, int op) {
    fileRangeNotified(f, roundUpPage(n), Long.MAX_VALUE);
    ensureCache(f, n);
    f.size = n;
    long end = roundUpPage(n);
    f.cache.zero(idx(n), idx(end), op);
    f.cache.resize(idx(end));
    long firstGone = end / page;
    for (ModelMapping m : mappings.values()) {
      if (m.live && maps(m, f) && m.sharing == Sharing.PRIVATE) {
        m.forgetPagesFrom(firstGone - m.offset / page);
      }
    }
  }

  /**
   * R54 collapse range: the bytes from {@code from + len} to the end of the EOF page move down to
   * {@code from} (the extents shift, and the page cache was written back and dropped first, so what is
   * read again is what the shifted blocks hold, post-EOF bytes included); the file shrinks by len.
   * What lies past the old EOF page reads zero (holes).
   */
  public void collapse(ModelFile f, long from, long len, int op) {
    fileRangeNotified(f, from, Long.MAX_VALUE);
    long oldEnd = roundUpPage(f.size);
    ensureCache(f, oldEnd);
    Cells moved = f.cache.slice(idx(from + len), idx(oldEnd));
    f.size -= len;
    long end = roundUpPage(f.size);
    long movedEnd = Math.min(end, from + moved.length());
    f.cache.copyFrom(moved, 0, idx(from), idx(movedEnd - from));
    if (movedEnd < end) {
      f.cache.zero(idx(movedEnd), idx(end), op);
    }
    f.cache.resize(idx(end));
    markPostEofUncertain(f);
  }

  /**
   * R55 insert range: the bytes from {@code from} to the end of the EOF page move up by len, the gap
   * [from, from + len) is a hole (reads zero); the file grows by len.
   */
  public void insert(ModelFile f, long from, long len, int op) {
    fileRangeNotified(f, from, Long.MAX_VALUE);
    long oldEnd = roundUpPage(f.size);
    ensureCache(f, oldEnd);
    Cells moved = f.cache.slice(idx(from), idx(oldEnd));
    f.size += len;
    long end = roundUpPage(f.size);
    ensureCache(f, end);
    long movedEnd = Math.min(end, from + len + moved.length());
    f.cache.copyFrom(moved, 0, idx(from + len), idx(movedEnd - from - len));
    f.cache.zero(idx(from), idx(from + len), op);
    if (movedEnd < end) {
      f.cache.zero(idx(movedEnd), idx(end), op);
    }
    f.cache.resize(idx(end));
    markPostEofUncertain(f);
  }

  /** The EOF page's bytes beyond EOF now hold definite zeros, decided by op (iomap or DAX zeroing). */
  public void zeroPostEof(ModelFile f, int op) {
    ensureCache(f, f.size);
    f.cache.zero(idx(f.size), idx(roundUpPage(f.size)), op);
  }

  /**
   * The page cache of f from file offset {@code from} (page aligned) is dropped from every mapping with
   * even_cows = 1 (mm/truncate.c truncate_pagecache): private copies there are lost, and with them
   * whatever the device held of them.
   */
  public void dropPrivateCopiesFrom(ModelFile f, long from) {
    for (ModelMapping m : mappings.values()) {
      if (m.live && maps(m, f) && m.sharing == Sharing.PRIVATE) {
        m.forgetPagesFrom(Math.max(0, (from - m.offset) / page));
      }
    }
  }

  /**
   * R61: the page-table entries of pages [from, to) of m are zapped with no details (MADV_DONTNEED,
   * mm/memory.c zap_page_range_single): the private copies of a MAP_PRIVATE mapping go with them, and
   * so do device-private and device-exclusive entries (zap_nonpresent_ptes frees their pages), so the
   * pages show the file again. A shared mapping's pages stay in the page cache as they were.
   */
  public void zap(ModelMapping m, long from, long to) {
    m.forgetPages(from, to);
    notifiedUpTo(m, to, -1);
  }

  /**
   * R105a: a remap call (FICLONE, FICLONERANGE, FIDEDUPERANGE, copy_file_range) whose outcome may be a
   * success: on xfs its two files may now carry the reflink inode flag. Returns e.
   */
  public Expected remapped(Expected e, ModelFile a, ModelFile b) {
    boolean mayHaveRemapped = false;
    for (Expected x = e; x != null; x = x.orElse()) {
      mayHaveRemapped |= x.status() == io.hmmfuzz.core.model.Outcome.Status.OK;
    }
    if (mayHaveRemapped && caps.fs().xfs() && a != null && b != null) {
      a.mayBeReflinkInode = true;
      b.mayBeReflinkInode = true;
    }
    return e;
  }

  /** R79/R80: pages [from, to) of m are now in a VM_LOCKED VMA (lock) or not (munlock). */
  /**
   * An mlock or munlock of pages [from, to) of m ran: where that is not the whole mapping, its VMA may
   * stay split ({@link ModelMapping#maybeSplit}), on DAX too, where mlock changes no flag, since a
   * program's validity ({@code Op.splits}) cannot know the filesystem.
   */
  public void lockedRange(ModelMapping m, long from, long to) {
    if (from > 0 || to < roundUpPage(m.length) / page) {
      m.maybeSplit = true;
    }
  }

  /** Whether an mlock or munlock of part of m ran ({@link #lockedRange}). */
  public boolean maybeSplit(ModelMapping m) {
    return m.maybeSplit;
  }

  public void setLocked(ModelMapping m, long from, long to, boolean lock) {
    for (long p = from; p < to; p++) {
      if (lock) {
        m.locked.add(p);
      } else {
        m.locked.remove(p);
      }
    }
  }

  /**
   * R79's populate (mm/gup.c populate_vma_page_range): the pages [from, to) of m faulted in ascending
   * order, with FOLL_WRITE where the VMA is writable and private (each page copied on write, R10), read
   * faults otherwise; a PROT_NONE VMA faults nothing (6.1: check_vma_flags without FOLL_FORCE, 6.12:
   * populate_vma_page_range refuses it) and the first page wholly beyond EOF ends it (VM_FAULT_SIGBUS,
   * no signal). Whether it completed: false at PROT_NONE or EOF.
   */
  public boolean populate(ModelMapping m, long from, long to) {
    if (!m.prot.readable()) {
      return false;
    }
    boolean write = m.prot.writable() && m.sharing == Sharing.PRIVATE;
    for (long p = from; p < to; p++) {
      if (faultAt(m, p * page, false) != Signal.NONE) {
        return false;
      }
      if (write) {
        writeFault(m, p);
      } else {
        faulted(m, p * page, 1);
      }
    }
    return true;
  }

  /** The page cache over [from, to) now holds definite zeros decided by op (hole punch, zero range). */
  public void zeroData(ModelFile f, long from, long to, int op) {
    fileRangeNotified(f, from, to);
    long end = Math.min(to, f.size);
    if (end > from) {
      f.cache.zero(idx(from), idx(end), op);
    }
  }

  // ---- CPU access through a mapping -------------------------------------------------------

  /** Whether a CPU access to byte {@code offInMapping} of m faults, and how (R5, R7, R8). */
  public Signal faultAt(ModelMapping m, long offInMapping, boolean write) {
    if (!m.live) {
      return Signal.SIGSEGV;
    }
    if (write ? !m.prot.writable() : !m.prot.readable()) {
      return Signal.SIGSEGV;
    }
    ModelFile f = backing(m);
    long fileOff = m.offset + roundDownPage(offInMapping);
    return fileOff >= roundUpPage(f.size) ? Signal.SIGBUS : Signal.NONE;
  }

  /** The cells a CPU load sees over [off, off+len) of mapping m, assuming no fault (R9, R10, R12). */
  public Cells visible(ModelMapping m, long off, int len) {
    Cells out = new Cells(len);
    ModelFile f = backing(m);
    long pos = off;
    while (pos < off + len) {
      long pageIdx = pos / page;
      int inPage = (int) (pos % page);
      int n = (int) Math.min(page - inPage, off + len - pos);
      Cells cow = m.cowPages.get(pageIdx);
      if (cow != null) {
        out.copyFrom(cow, inPage, (int) (pos - off), n);
      } else {
        long fo = m.offset + pos;
        ensureCache(f, fo + n);
        out.copyFrom(f.cache, idx(fo), (int) (pos - off), n);
      }
      pos += n;
    }
    return out;
  }

  /**
   * A CPU load of [off, off+len) of mapping m, page by page: the first faulting page ends it with a
   * signal at that page's first byte of the access.
   */
  public Expected load(ModelMapping m, long off, int len) {
    long pos = off;
    while (pos < off + len) {
      Signal s = faultAt(m, pos, false);
      if (s != Signal.NONE) {
        Cells before = visible(m, off, (int) (pos - off));
        faulted(m, off, pos - off);
        return Expected.signal(s, pos - off, before,
            s == Signal.SIGBUS ? "R7 SIGBUS: page wholly beyond EOF" : "R5 SIGSEGV: no read permission");
      }
      pos = nextPage(pos);
    }
    Cells seen = visible(m, off, len);
    faulted(m, off, len);
    return Expected.ok(len, seen, "R9/R10/R12 bytes through the mapping");
  }

  /**
   * A CPU store of op's tagged bytes over [off, off+len) of mapping m, page by page, applied to the
   * model up to the first faulting page. SHARED: into the page cache (R9), post-EOF bytes stay in the
   * page (R13). PRIVATE: copy-on-write of the page's current content first (R10, U7).
   */
  public Expected store(ModelMapping m, long off, int len, int op) {
    return store(m, off, len, op, -1);
  }

  /**
   * A store as above through the mirror of {@code device} (a device write): a page on that device's own
   * private memory is written in place, not migrated back (mm/hmm.c hmm_vma_handle_pte reports the
   * caller's own device-private pages without faulting); {@code device} -1 for a CPU store.
   */
  public Expected store(ModelMapping m, long off, int len, int op, int device) {
    ModelFile f = backing(m);
    long pos = off;
    while (pos < off + len) {
      Signal s = faultAt(m, pos, true);
      if (s != Signal.NONE) {
        return Expected.signal(s, pos - off, null,
            s == Signal.SIGBUS ? "R7/R8 SIGBUS: store to a page wholly beyond EOF" : "R5 SIGSEGV: no write permission");
      }
      long next = Math.min(nextPage(pos), off + len);
      if (device < 0) {
        faulted(m, pos, 1);
      } else {
        deviceFaulted(m, pos, 1, device);
      }
      m.forkProtected.remove(pos / page);
      m.maybeZeroPage.remove(pos / page);
      if (m.sharing == Sharing.SHARED) {
        writeTagged(f, m.offset + pos, next - pos, op);
      } else {
        long pageIdx = pos / page;
        Cells cow = copyOnWrite(m, pageIdx);
        cow.tag((int) (pos - pageIdx * page), (int) (next - pageIdx * page), op, m.offset + pos);
      }
      pos = next;
    }
    return Expected.ok(len, "R9/R10 store");
  }

  /**
   * A CPU access to the pages of [off, off+len) of m: a device-private page migrates back to system
   * memory, whichever device holds it (R38: the page's dev_pagemap_ops.migrate_to_ram, lib/test_hmm.c
   * dmirror_devmem_fault), a device-coherent page stays where it is (R121: its PTE is present, the CPU
   * reaches it), and a device-exclusive entry is restored, which erases every mirror's atomic
   * entry for the page (mm/memory.c remove_device_exclusive_entry: MMU_NOTIFY_EXCLUSIVE with no owner,
   * which no mirror ignores).
   */
  public void faulted(ModelMapping m, long off, long len) {
    for (long p = off / page; p < (off + len + page - 1) / page; p++) {
      m.exclusive.clear(p);
      m.exclusivePte.remove(p);
      m.onDevice.clearDevices(p, DeviceMemory.PRIVATE_DEVICES);
    }
    notifiedUpTo(m, (off + len + page - 1) / page, -1);
  }

  /**
   * A device fault through the mirror of {@code device} (hmm_range_fault with a required fault) on the
   * pages of [off, off+len) of m: a device-exclusive entry is restored as for a CPU fault (every mirror's
   * atomic entry goes; dmirror_do_write writes only pages tagged DPT_XA_TAG_WRITE, so the device's own
   * atomic entry is faulted too), and a page on another device's private memory migrates back (R93:
   * hmm_vma_handle_pte faults a device-private page whose pgmap owner is not the caller), but this
   * device's own private pages are reported as they are (dev_private_owner), and so is every
   * device-coherent page (R121: a present PTE of an ordinary struct page).
   */
  public void deviceFaulted(ModelMapping m, long off, long len, int device) {
    for (long p = off / page; p < (off + len + page - 1) / page; p++) {
      m.exclusive.clear(p);
      m.exclusivePte.remove(p);
      m.onDevice.clearDevices(p, DeviceMemory.PRIVATE_DEVICES & ~(1 << device));
    }
    notifiedUpTo(m, (off + len + page - 1) / page, -1);
  }

  /**
   * A device read through the mirror of {@code device} that succeeded over the pages of [off, off+len)
   * of m (R92, R93): the mirror can hold no entry for a page on another device's memory or held
   * exclusively by another mirror (the migration and the exclusive access each erased it, and only a
   * fault gives it one again), so dmirror_do_read faults from such a page on at the latest, and
   * hmm_range_fault faults every page of the rest of the range that needs it: the other devices' pages
   * come back to system memory and their atomic entries go. The device's own atomic entries may stay
   * (a page it holds is read without a fault; whether a fault from an earlier page restored it is
   * hidden), and so do its own private pages and every device-coherent page (R121).
   */
  public void deviceRead(ModelMapping m, long off, long len, int device) {
    for (long p = off / page; p < (off + len + page - 1) / page; p++) {
      m.exclusive.clearOthers(p, device);
      m.onDevice.clearDevices(p, DeviceMemory.PRIVATE_DEVICES & ~(1 << device));
    }
    notifiedUpTo(m, (off + len + page - 1) / page, -1);
  }

  /**
   * migrate_vma_setup through the mirror of {@code device} over the pages of [off, off+len) of m (R38,
   * R39, R93): migrate_vma_collect fires MMU_NOTIFY_MIGRATE owned by that device over the whole range,
   * which only that device's mirror ignores (lib/test_hmm.c dmirror_interval_invalidate): every other
   * mirror's atomic entries there go, whether or not the pages migrate.
   */
  public void migrationNotified(ModelMapping m, long off, long len, int device) {
    for (long p = off / page; p < (off + len + page - 1) / page; p++) {
      m.exclusive.clearOthers(p, device);
      orphan(m, p, m.onDevice.devices(p) & ~(1 << device));
    }
    notifiedUpTo(m, (off + len + page - 1) / page, device);
  }

  /**
   * test_hmm's invalidation erases one page too many (lib/test_hmm.c dmirror_do_update walks
   * {@code xa_for_each_range(&pt, pfn, entry, start >> PAGE_SHIFT, end >> PAGE_SHIFT)}, whose last index
   * is inclusive, with the range's exclusive end; 6.1.192 and 6.12 alike): every notifier over a range
   * ending before page {@code pageIdx} of m also erases the mirrors' entries for that page, in every
   * mirror but the one of {@code owner} (-1: none; a migration's own device ignores its event). Harmless
   * for the model's answers (a lost entry is faulted again), but a page of that device's memory is then
   * R93's hazard ({@link #orphan}): seen on 6.1.192, a migrate-back through device 1 over page 0 and a read
   * through device 0 of its page 1 Oopsed. The page after a mapping's last may be another mapping's
   * first, which the model cannot tell (it knows no addresses).
   */
  private void notifiedUpTo(ModelMapping m, long pageIdx, int owner) {
    orphan(m, pageIdx, owner < 0 ? m.onDevice.devices(pageIdx) : m.onDevice.devices(pageIdx) & ~(1 << owner));
  }

  /**
   * R93's hazard, for the generator: the mirrors of {@code devices} (bits) lost their entries for page
   * {@code pageIdx} of m while it may stay in their memory (an mprotect's or the other device's migration
   * notifier erased them, and neither moves a device-private page). A READ or WRITE through such a mirror
   * then faults the page through hmm_range_fault, which reports the mirror's own device-private page
   * itself, and lib/test_hmm.c dmirror_do_fault stores that ZONE_DEVICE struct page, which
   * dmirror_do_read/dmirror_do_write kmap(): an Oops (6.1.192 and 6.12, lib/test_hmm.c unchanged; corpus
   * kernel-6.1-*-test-hmm-*-oops.repro). The model predicts nothing there; the generator steers clear
   * ({@link #mayHaveLostEntry}). Other notifiers that leave a private copy in device memory (a hole punch
   * or a clone over the file range: unmap_mapping_range without even_cows) are not tracked. A
   * device-coherent page has no such hazard (R121: hmm_range_fault reports it as the ordinary page it
   * is, which kmap reaches), so only device-private memory is marked.
   */
  private void orphan(ModelMapping m, long pageIdx, int devices) {
    devices &= DeviceMemory.PRIVATE_DEVICES;
    for (int d = 0; devices >> d != 0; d++) {
      if ((devices & (1 << d)) != 0) {
        m.orphaned.mark(pageIdx, d);
      }
    }
  }

  /**
   * A file-range notifier over [from, to) of f (unmap_mapping_range and its kin: a hole punch, a zero
   * range, the shift of collapse and insert range, a truncate, a remap's destination, a direct write's
   * page-cache invalidation): every live mapping of f is invalidated over the pages it maps of the range,
   * where a private copy may stay (even_cows 0 keeps it, and a device page with it), and test_hmm erases
   * one page too many ({@link #notifiedUpTo}). For the generator only (R93's hazard): the model's answers
   * do not change.
   */
  public void fileRangeNotified(ModelFile f, long from, long to) {
    for (ModelMapping m : mappings.values()) {
      if (!m.live || !maps(m, f) || to <= from) {
        continue;
      }
      long pages = roundUpPage(m.length) / page;
      long first = Math.max(0, from / page - m.offset / page);
      long end = to >= Long.MAX_VALUE - page ? pages : Math.min(pages, (to + page - 1) / page - m.offset / page);
      for (long p = first; p < end; p++) {
        orphan(m, p, m.onDevice.devices(p));
      }
      if (first < end) {
        notifiedUpTo(m, end, -1);
      }
    }
  }

  /**
   * Whether a READ or WRITE through {@code device}'s mirror of page {@code pageIdx} of m may meet R93's
   * hazard ({@link #orphan}): the page may be in that device's memory with no entry in its mirror.
   */
  public boolean mayHaveLostEntry(ModelMapping m, long pageIdx, int device) {
    return m.onDevice.may(pageIdx, device) && m.orphaned.may(pageIdx, device);
  }

  /**
   * Whether the generator must assume that a READ or WRITE through {@code device}'s mirror of page
   * {@code pageIdx} of m may meet R93's hazard: where {@link #mayHaveLostEntry}, and on a mapping's first
   * page whenever it may be in that device's memory. That page is the page after another mapping's last
   * wherever one lies just below it, and test_hmm's one page too many ({@link #notifiedUpTo}) erases its
   * entry on nearly any notifier over that other mapping's end (its munmap, an mprotect, a copy-on-write
   * fault, the writeback of a shared page, a truncate or hole punch of its file, a fork); the model knows
   * no addresses, so it cannot tell which mapping lies below. Seen on 6.1.192 (xfs-dax, shrunk across
   * 13 guests): a private anonymous page migrated, a shared anonymous mapping made below it and
   * unmapped, and the device read of the page Oopsed (corpus
   * kernel-6.1-xfs-dax-test-hmm-device-read-after-munmap-of-the-mapping-below-oops.repro).
   */
  public boolean deviceAccessHazard(ModelMapping m, long pageIdx, int device) {
    return mayHaveLostEntry(m, pageIdx, device)
        || pageIdx == 0 && m.onDevice.may(0, device) && DeviceMemory.of(device) == DeviceMemory.PRIVATE;
  }

  /**
   * Whether a READ or WRITE through {@code device}'s mirror of {@code pages} pages from {@code firstPage}
   * of m may meet R93's hazard: on any page ({@link #deviceAccessHazard}), and on any page after the
   * first that may be in that device's memory. dmirror_read (and dmirror_write) fault from the first page
   * the mirror lacks to the end of the range, and dmirror_do_fault stores every page hmm_range_fault
   * reports, the device's own device-private pages among them, over the entries that pointed at their
   * backing pages; the copy then kmap()s a ZONE_DEVICE page and Oopses (lib/test_hmm.c 6.1). Which of
   * the earlier pages the mirror lacks is hidden from the model. On 6.1.192 (xfs-dax) campaigns met the
   * Oops about once a minute before this (docs/semantics.md R93).
   */
  public boolean deviceRangeHazard(ModelMapping m, long firstPage, int pages, int device) {
    for (int k = 0; k < pages; k++) {
      if (deviceAccessHazard(m, firstPage + k, device)
          || k > 0 && m.onDevice.may(firstPage + k, device) && DeviceMemory.of(device) == DeviceMemory.PRIVATE) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether test_hmm's RELEASE through {@code device} may hang (R121): the device has device-coherent
   * memory and a page of a live mapping may be in it. The release evicts the chunk
   * (dmirror_device_evict_chunk, migrate_device_range), which leaves in place every page it cannot
   * migrate, and memunmap_pages then waits for that still-mapped page's last reference for ever: the
   * executor sleeps in D state in memunmap_pages. Seen on 6.1.192 and 6.12.118 with a page behind a
   * device-exclusive PTE (corpus kernel-6.*-tmpfs-test-hmm-release-of-coherent-page-held-exclusive-hangs),
   * and in 6.1.192 bench hunts where the model knew of no such PTE: any extra reference makes the
   * migration fail (migrate_vma_check_page), so the model cannot tell which release is safe. The model
   * predicts nothing there; the generator steers clear. Device-private memory is evicted through its
   * swap entries, which nothing else references. A reference in another CPU's mlock batch hangs it too,
   * even after the program that filled the batch (corpus/c/): the executors run on one CPU, so the
   * release's own drain empties those batches, and this check is about the program's live mappings alone.
   */
  public boolean releaseMayHang(int device) {
    return DeviceMemory.of(device) == DeviceMemory.COHERENT && (devicesWithPages() & (1 << device)) != 0;
  }

  /**
   * make_device_exclusive_range may have replaced the PTE of page {@code pageIdx} of m with a
   * device-exclusive entry (R92), which stays until a fault restores it.
   */
  public void markMaybeExclusivePte(ModelMapping m, long pageIdx) {
    m.exclusivePte.add(pageIdx);
  }

  /** Whether page {@code pageIdx} of m may have a device-exclusive PTE ({@link #markMaybeExclusivePte}). */
  public boolean maybeExclusivePte(ModelMapping m, long pageIdx) {
    return m.exclusivePte.contains(pageIdx);
  }

  /** The devices (bits) whose memory may hold a page of some live mapping. */
  public int devicesWithPages() {
    int bits = 0;
    for (ModelMapping m : liveMappings()) {
      for (long p : m.onDevice.pages()) {
        bits |= m.onDevice.devices(p);
      }
    }
    return bits;
  }

  /** The devices (bits) that may hold page {@code pageIdx} of m: in their memory or exclusively. */
  public int holders(ModelMapping m, long pageIdx) {
    return m.onDevice.devices(pageIdx) | m.exclusive.devices(pageIdx);
  }

  /** The pages of m some device may hold (in its memory or exclusively), in order. */
  public java.util.SortedSet<Long> heldPages(ModelMapping m) {
    java.util.TreeSet<Long> out = new java.util.TreeSet<>(m.onDevice.pages());
    out.addAll(m.exclusive.pages());
    return out;
  }

  /**
   * A write fault on page {@code pageIdx} of m without a store (get_user_pages with FOLL_WRITE): a
   * MAP_PRIVATE page is copied on write with its current content (R10), a shared one stays as it is.
   */
  public void writeFault(ModelMapping m, long pageIdx) {
    faulted(m, pageIdx * page, 1);
    m.forkProtected.remove(pageIdx);
    m.maybeZeroPage.remove(pageIdx);
    if (m.sharing == Sharing.PRIVATE) {
      copyOnWrite(m, pageIdx);
    }
  }

  /** The private copy of page {@code pageIdx} of m, made from what the page shows now if there is none (R10). */
  private Cells copyOnWrite(ModelMapping m, long pageIdx) {
    return m.cowPages.computeIfAbsent(pageIdx, i -> visible(m, i * page, page));
  }

  /** The devices (bits) whose memory may hold page {@code pageIdx} of m (R38, R121). */
  public int devicesMaybeHolding(ModelMapping m, long pageIdx) {
    return m.onDevice.devices(pageIdx);
  }

  /** Whether page {@code pageIdx} of m may be in the memory of {@code device} (R38, R121). */
  public boolean maybeOnDevice(ModelMapping m, long pageIdx, int device) {
    return m.onDevice.may(pageIdx, device);
  }

  /**
   * Page {@code pageIdx} of m may have migrated to {@code device}'s memory (R38): where it was not there
   * already, the migration maps it in the mirror (dmirror_migrate_finalize_and_map), so its entry is
   * fresh; a page already there is not migrated again (migrate_vma_collect_pmd selects system pages).
   */
  public void markMaybeOnDevice(ModelMapping m, long pageIdx, int device) {
    if (!m.onDevice.may(pageIdx, device)) {
      m.orphaned.clear(pageIdx, device);
    }
    m.onDevice.mark(pageIdx, device);
    m.migrated = true;
  }

  /**
   * An anonymous private mapping's page becomes an anonymous page with the bytes it shows (zeros where
   * never written): migration to the device fills a page of the VMA that has none (R38,
   * mm/migrate_device.c migrate_vma_collect_hole and migrate_vma_insert_page for anonymous VMAs).
   */
  public void materialize(ModelMapping m, long pageIdx) {
    if (!m.cowPages.containsKey(pageIdx)) {
      m.maybeZeroPage.add(pageIdx);
    }
    copyOnWrite(m, pageIdx);
  }

  /** Whether page {@code pageIdx} of m may still be the shared zero page where the model has an anonymous page. */
  public boolean maybeZeroPage(ModelMapping m, long pageIdx) {
    return m.maybeZeroPage.contains(pageIdx);
  }

  /**
   * fork(2) as the parent sees it (R113, R114; kernel/fork.c dup_mmap, mm/memory.c copy_page_range):
   * every private mapping is a COW mapping (VM_MAYWRITE without VM_SHARED); where it has anonymous
   * pages (an anon_vma), the parent's whole VMA is invalidated (MMU_NOTIFY_PROTECTION_PAGE), which
   * erases every mirror entry of it in every device's mirror, atomic ones included (and pages left in a
   * device's memory lose their entry: R93's hazard, {@link #orphan}), its device-exclusive entries are
   * restored to present PTEs and its anonymous PTEs, device-private entries included, are
   * write-protected. Shared mappings are not copied at all: nothing changes for the parent.
   */
  public void fork() {
    for (ModelMapping m : mappings.values()) {
      if (!m.live || m.sharing != Sharing.PRIVATE) {
        continue;
      }
      m.exclusive.clearAll();
      m.exclusivePte.clear();
      m.forkProtected.addAll(m.cowPages.keySet());
      m.forkProtected.addAll(m.onDevice.pages());
      for (long p : m.onDevice.pages()) {
        orphan(m, p, m.onDevice.devices(p));
      }
    }
  }

  /** Whether a fork write-protected page {@code pageIdx} of m and no write fault since made it writable (R113). */
  public boolean forkProtected(ModelMapping m, long pageIdx) {
    return m.forkProtected.contains(pageIdx);
  }

  /**
   * Whether any page of m may still be in some device's private memory (R38), counting every page a
   * migration may have moved since the mapping was made: for the generator's avoidance of test_hmm's
   * known crash through mprotect and fork (R93, R115), which must not rely on the model's guess that a
   * migrate-back or a CPU fault brought it back.
   */
  public boolean anyMaybeOnDevice(ModelMapping m) {
    return m.migrated;
  }

  /** After HMM_DMIRROR_MIGRATE_TO_SYS through {@code device}, none of its pages of the range is left there (R39). */
  public void backFromDevice(ModelMapping m, long pageIdx, int device) {
    m.onDevice.clear(pageIdx, device);
  }

  /**
   * HMM_DMIRROR_RELEASE through {@code device} (R90): every page in that device's memory, in every
   * mapping, is migrated back to system memory with its content.
   */
  public void released(int device) {
    for (ModelMapping m : mappings.values()) {
      for (long p : List.copyOf(m.onDevice.pages())) {
        if (m.onDevice.may(p, device)) {
          notifiedUpTo(m, p + 1, device); // each evicted page's MMU_NOTIFY_CLEAR, one page too many
        }
      }
      m.onDevice.clearDevice(device);
    }
  }

  /** Whether the mirror of {@code device} may hold an atomic (exclusive) entry for page {@code pageIdx} of m. */
  public boolean maybeExclusive(ModelMapping m, long pageIdx, int device) {
    return m.exclusive.may(pageIdx, device);
  }

  public void markMaybeExclusive(ModelMapping m, long pageIdx, int device) {
    m.exclusive.mark(pageIdx, device);
  }

  private long nextPage(long pos) {
    return roundDownPage(pos) + page;
  }

  // ---- views -------------------------------------------------------------------------------

  /** The file view: st_size and pread of [0, size). */
  public Expected fileView(ModelFile f) {
    ensureCache(f, f.size);
    return Expected.ok(f.size, f.cache.slice(0, idx(f.size)), "file view: fstat + pread (R9, R11)");
  }

  /** The view of one whole page of a mapping through a CPU load. */
  public Expected pageView(ModelMapping m, long pageIdx) {
    return load(m, pageIdx * page, page);
  }

  /** Whether page {@code pageIndex} of a MAP_PRIVATE mapping holds a private copy (R10). */
  public boolean copied(ModelMapping m, long pageIndex) {
    return m.cowPages.containsKey(pageIndex);
  }

  /** Live mappings. */
  public List<ModelMapping> liveMappings() {
    List<ModelMapping> out = new ArrayList<>();
    for (ModelMapping m : mappings.values()) {
      if (m.live) {
        out.add(m);
      }
    }
    return out;
  }

  /** Live mappings whose pages can be read for the view check. */
  public List<ModelMapping> readableMappings() {
    List<ModelMapping> out = liveMappings();
    out.removeIf(m -> !m.prot.readable());
    return out;
  }
}
