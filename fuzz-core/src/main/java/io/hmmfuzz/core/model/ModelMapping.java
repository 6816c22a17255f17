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
 * write (R10), keyed by page index within the mapping. The device mirror's hidden state about those
 * anonymous copies is kept as "may be" sets (R38, and for exclusive access mm/rmap.c make_device_exclusive_range): pages that may have migrated to device-private
 * memory, and pages the device may hold for exclusive access.
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
  final TreeSet<Long> maybeOnDevice = new TreeSet<>();
  final TreeSet<Long> maybeExclusive = new TreeSet<>();

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
