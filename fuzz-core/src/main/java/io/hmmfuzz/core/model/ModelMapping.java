package io.hmmfuzz.core.model;

import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One VMA in the model: where it maps (its length changes with mremap, its file offset never: page
 * indices stay the same through a move), its protection, and for MAP_PRIVATE the pages it has copied on
 * write (R10), keyed by page index within the mapping. The device mirrors' hidden state about those
 * anonymous copies is kept per device as "may be" marks (R38, R91-R93, and for exclusive access mm/rmap.c
 * make_device_exclusive_range): the pages that may have migrated to a device's private memory, and
 * the pages whose atomic entry a device's mirror may hold (exclusive access).
 */
public final class ModelMapping {
  final MapId id;
  final FileId file;
  final long offset;
  long length;
  final Sharing sharing;
  final boolean sync;
  Prot prot;
  boolean live = true;
  final TreeMap<Long, Cells> cowPages = new TreeMap<>();
  /** Per page, the devices whose memory may hold it (R38, R121). */
  final DeviceMarks onDevice = new DeviceMarks();
  /** Per page, the devices whose mirror may hold an atomic (exclusive) entry for it (R92). */
  final DeviceMarks exclusive = new DeviceMarks();
  /**
   * Per page, the devices whose mirror may have lost its entry for the page while the page stayed in
   * that device's memory (R93's hazard; meaningful where {@link #onDevice} has the device too): not an
   * outcome the model predicts, only what the generator steers clear of.
   */
  final DeviceMarks orphaned = new DeviceMarks();
  /**
   * Pages whose PTE may be a device-exclusive entry, whether or not a mirror kept its atomic entry
   * ({@link #exclusive}): make_device_exclusive_range replaces the PTE of every page it took, also where
   * the ioctl then fails with EBUSY, and mprotect, mremap and the other mirror's notifiers, which erase
   * atomic entries, leave the PTE as it is. Only a fault restores it (R92). For the generator's avoidance
   * of R121's hang.
   */
  final TreeSet<Long> exclusivePte = new TreeSet<>();
  /**
   * Pages whose anonymous PTE a fork write-protected in this (the parent's) page table (R113): no
   * writable PTE until the parent's next write fault on the page.
   */
  final TreeSet<Long> forkProtected = new TreeSet<>();
  /**
   * Pages of a private anonymous mapping never written that a migration may have filled (R38), or left
   * as the shared zero page where it failed; a write fault settles it.
   */
  final TreeSet<Long> maybeZeroPage = new TreeSet<>();
  /**
   * A migration to some device was asked for some page of this mapping: a page may be in device memory
   * whatever the CPU did since (a migrate-back or a CPU fault may leave it there), which only the
   * generator's avoidance of test_hmm's known crash through mprotect and fork needs (R93, R115).
   */
  boolean migrated;
  /** An anonymous mapping's memory (file null): zero-filled, as big as the mapping, never changing size (R110). */
  final ModelFile anon;
  /**
   * Pages whose VMA is VM_LOCKED (mlock, R79), by page index within the mapping: mlock and munlock of
   * part of a mapping split its VMA, so the VMAs' boundaries are where this set starts and stops.
   */
  final TreeSet<Long> locked = new TreeSet<>();
  /**
   * An mlock or munlock of part of the mapping ran (R79): its VMA may be split for good, since vma_merge
   * does not join VMAs again whose anon_vmas differ (a copy on write in each part), so mremap may find
   * several VMAs where the model sees one (R82: EFAULT). mremap does not move such a mapping.
   */
  boolean maybeSplit;

  ModelMapping(MapId id, FileId file, long offset, long length, Prot prot, Sharing sharing, boolean sync,
      ModelFile anon) {
    this.anon = anon;
    this.id = id;
    this.file = file;
    this.offset = offset;
    this.length = length;
    this.prot = prot;
    this.sharing = sharing;
    this.sync = sync;
  }

  public MapId id() {
    return id;
  }

  /** Forgets private copies and device state of pages {@code from} on (page indices within the mapping). */
  void forgetPagesFrom(long from) {
    cowPages.tailMap(from, true).clear();
    onDevice.clearFrom(from);
    exclusive.clearFrom(from);
    exclusivePte.tailSet(from, true).clear();
    orphaned.clearFrom(from);
    forkProtected.tailSet(from, true).clear();
    maybeZeroPage.tailSet(from, true).clear();
  }

  /** Forgets private copies and device state of pages [from, to) (page indices within the mapping). */
  void forgetPages(long from, long to) {
    cowPages.subMap(from, true, to, false).clear();
    onDevice.clearRange(from, to);
    exclusive.clearRange(from, to);
    exclusivePte.subSet(from, true, to, false).clear();
    orphaned.clearRange(from, to);
    forkProtected.subSet(from, true, to, false).clear();
    maybeZeroPage.subSet(from, true, to, false).clear();
  }

  /** Whether page {@code page} (index within the mapping) lies in a VM_LOCKED VMA (R79). */
  public boolean locked(long page) {
    return locked.contains(page);
  }

  /** The first page of [from, to) in a VM_LOCKED VMA, or -1 (R61, R63, R65, R66, R78). */
  public long firstLocked(long from, long to) {
    Long p = locked.ceiling(from);
    return p != null && p < to ? p : -1;
  }

  /** The mapped file; null for an anonymous mapping (MAP_ANONYMOUS). */
  public FileId file() {
    return file;
  }

  /** Whether this is a mapping of anonymous memory (MAP_ANONYMOUS), private or shared (shmem). */
  public boolean anonymous() {
    return file == null;
  }

  public long offset() {
    return offset;
  }

  public long length() {
    return length;
  }

  public Prot prot() {
    return prot;
  }

  public Sharing sharing() {
    return sharing;
  }

  public boolean live() {
    return live;
  }

  public boolean sync() {
    return sync;
  }
}
