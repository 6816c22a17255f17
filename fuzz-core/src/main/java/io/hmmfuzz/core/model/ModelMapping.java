package io.hmmfuzz.core.model;

import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One VMA in the model: where it maps, its protection, and for MAP_PRIVATE the pages it has copied on
 * write (R10), keyed by page index within the mapping. The device mirror's hidden state about those
 * anonymous copies is kept as "may be" sets (R38, and for exclusive access mm/rmap.c make_device_exclusive_range): pages that may have migrated to device-private
 * memory, and pages the device may hold for exclusive access.
 */
public final class ModelMapping {
  final MapId id;
  final FileId file;
  final long offset;
  final long length;
  final Sharing sharing;
  final boolean sync;
  Prot prot;
  boolean live = true;
  final TreeMap<Long, Cells> cowPages = new TreeMap<>();
  final TreeSet<Long> maybeOnDevice = new TreeSet<>();
  final TreeSet<Long> maybeExclusive = new TreeSet<>();
  /**
   * Pages whose VMA is VM_LOCKED (mlock, R79), by page index within the mapping: mlock and munlock of
   * part of a mapping split its VMA, so the VMAs' boundaries are where this set starts and stops.
   */
  final TreeSet<Long> locked = new TreeSet<>();

  ModelMapping(MapId id, FileId file, long offset, long length, Prot prot, Sharing sharing, boolean sync) {
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
    maybeOnDevice.tailSet(from, true).clear();
    maybeExclusive.tailSet(from, true).clear();
  }

  /** Forgets private copies and device state of pages [from, to) (page indices within the mapping). */
  void forgetPages(long from, long to) {
    cowPages.subMap(from, true, to, false).clear();
    maybeOnDevice.subSet(from, true, to, false).clear();
    maybeExclusive.subSet(from, true, to, false).clear();
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

  public FileId file() {
    return file;
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
