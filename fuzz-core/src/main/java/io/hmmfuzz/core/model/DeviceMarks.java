package io.hmmfuzz.core.model;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per page of a mapping (its index within the mapping), which test_hmm devices may hold it in some way
 * hidden from the model: one bit per device. A page's bit is set where the device may hold it and clear
 * where it cannot, so a set bit allows both answers and a clear one only "not held"; a rule clears a bit
 * only where the kernel's source makes the release certain.
 */
final class DeviceMarks {
  private final TreeMap<Long, Integer> bits = new TreeMap<>();

  boolean may(long page, int device) {
    return (bits.getOrDefault(page, 0) & (1 << device)) != 0;
  }

  /** The devices (bits) that may hold the page. */
  int devices(long page) {
    return bits.getOrDefault(page, 0);
  }

  /** The pages some device may hold, in order. */
  java.util.Set<Long> pages() {
    return java.util.Collections.unmodifiableSet(bits.keySet());
  }

  void mark(long page, int device) {
    bits.merge(page, 1 << device, (a, b) -> a | b);
  }

  /** Every device's mark of the page. */
  void clear(long page) {
    bits.remove(page);
  }

  /** Only the marks of the devices other than {@code device}. */
  void clearOthers(long page, int device) {
    keep(page, 1 << device);
  }

  void clear(long page, int device) {
    keep(page, ~(1 << device));
  }

  /** The marks of the devices {@code devices} (bits) of the page. */
  void clearDevices(long page, int devices) {
    keep(page, ~devices);
  }

  /** The device's marks of every page. */
  void clearDevice(int device) {
    for (Iterator<Map.Entry<Long, Integer>> it = bits.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Integer> e = it.next();
      int left = e.getValue() & ~(1 << device);
      if (left == 0) {
        it.remove();
      } else {
        e.setValue(left);
      }
    }
  }

  /** Every mark of every device, of pages {@code from} on. */
  void clearFrom(long from) {
    bits.tailMap(from, true).clear();
  }

  /** Every mark of every device, of pages [from, to). */
  void clearRange(long from, long to) {
    bits.subMap(from, true, to, false).clear();
  }

  void clearAll() {
    bits.clear();
  }

  private void keep(long page, int mask) {
    Integer b = bits.get(page);
    if (b != null) {
      if ((b & mask) == 0) {
        bits.remove(page);
      } else {
        bits.put(page, b & mask);
      }
    }
  }
}
