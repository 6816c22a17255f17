package io.hmmfuzz.core.model;

import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import java.util.TreeMap;

/**
 * One VMA in the model: where it maps, its protection, and for MAP_PRIVATE the pages it has copied on
 * write (R10), keyed by page index within the mapping. The device mirrors' hidden state about those
 * anonymous copies is kept per device as "may be" marks (R38, R91-R93, and for exclusive access mm/rmap.c
 * make_device_exclusive_range): the pages that may have migrated to a device's private memory, and
 * the pages whose atomic entry a device's mirror may hold (exclusive access).
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
  /** Per page, the devices whose private memory may hold it (R38). */
  final DeviceMarks onDevice = new DeviceMarks();
  /** Per page, the devices whose mirror may hold an atomic (exclusive) entry for it (R92). */
  final DeviceMarks exclusive = new DeviceMarks();
  /**
   * Per page, the devices whose mirror may have lost its entry for the page while the page stayed in
   * that device's memory (R93's hazard; meaningful where {@link #onDevice} has the device too): not an
   * outcome the model predicts, only what the generator steers clear of.
   */
  final DeviceMarks orphaned = new DeviceMarks();

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
    onDevice.clearFrom(from);
    exclusive.clearFrom(from);
    orphaned.clearFrom(from);
  }

  /** Forgets private copies and device state of pages [from, to) (page indices within the mapping). */
  void forgetPages(long from, long to) {
    cowPages.subMap(from, true, to, false).clear();
    onDevice.clearRange(from, to);
    exclusive.clearRange(from, to);
    orphaned.clearRange(from, to);
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
