package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.List;

/**
 * ioctl(src, FIDEDUPERANGE, {srcOffset, length, dest_count 1, info[0] = {dst, dstOffset}}): share
 * the destination range with the source's where their bytes are the same. The outcome joins the
 * ioctl's result and the one destination's {@code status}: ok with {@code bytes_deduped} as the value
 * for FILE_DEDUPE_RANGE_SAME; the error EBADE for FILE_DEDUPE_RANGE_DIFFERS (the kernel's own code for
 * it: the remap returns -EBADE and vfs_dedupe_file_range turns it into DIFFERS); the errno of a
 * negative status, or of the ioctl where the whole call fails (the rule's text says which it was).
 */
public record Dedupe(FileId dst, FileId src, long srcOffset, long dstOffset, long length) implements Op {
  /** The most one request dedupes (vfs_dedupe_file_range: "Arbitrary 1G limit"). */
  static final long MAX_DEDUPE = 1L << 30;

  /**
   * R25/R75, following Linux 6.1.192 and 6.12.117 fs/ioctl.c ioctl_file_dedupe_range, fs/remap_range.c
   * vfs_dedupe_file_range, vfs_dedupe_file_range_one, __generic_remap_file_range_prep,
   * generic_remap_checks, vfs_dedupe_file_range_compare, and xfs_file_remap_range,
   * btrfs_remap_file_range: the source regular and readable, the destination on the same superblock,
   * the caller root. The two versions differ only in what this model leaves out (6.1's writeback of
   * [pos, pos - 1] for a range cut to nothing, and the order of the mount's write check).
   */
  @Override
  public Expected model(Model model, int index) {
    return model.remapped(rule(model, index), model.openFile(dst), model.openFile(src));
  }

  private Expected rule(Model model, int index) {
    ModelFile d = model.openFile(dst);
    ModelFile s = model.openFile(src);
    if (d == null || s == null) {
      return Expected.notLive();
    }
    if (!model.caps().fs().remapsFileRanges()) {
      return Expected.error(Errno.EOPNOTSUPP, "R75 no ->remap_file_range (tmpfs, ext4): the ioctl fails");
    }
    if (srcOffset < 0 || length < 0) {
      return Expected.error(Errno.EINVAL, "R75 remap_verify_area of the source: negative offset or length");
    }
    if (srcOffset + length > s.size()) {
      return Expected.error(Errno.EINVAL, "R25/R75 the source range passes the source's EOF: the ioctl fails");
    }
    long len = Math.min(length, MAX_DEDUPE);
    // From here on the ioctl returns 0 and the outcome is the destination's status.
    if (dstOffset < 0) {
      return Expected.error(Errno.EINVAL, "R75 remap_verify_area of the destination: status -EINVAL");
    }
    if (len == 0) {
      return Expected.ok(0, "R75 length 0: status SAME, no byte deduped, before the filesystem is asked");
    }
    if (!model.caps().reflink()) {
      return Expected.error(Errno.EOPNOTSUPP, "R75 xfs without reflink: status -EOPNOTSUPP");
    }
    long bs = model.caps().blockSize();
    if (srcOffset % bs != 0 || dstOffset % bs != 0) {
      return Expected.error(Errno.EINVAL, "R75 generic_remap_checks: offsets not block aligned: status -EINVAL");
    }
    long sizeIn = s.size();
    long sizeOut = d.size();
    if (srcOffset >= sizeIn || dstOffset >= sizeOut || dstOffset + len > sizeOut) {
      return Expected.error(Errno.EINVAL, "R75 generic_remap_checks: a range not inside its file's EOF: status -EINVAL");
    }
    // A partial EOF block is compared and shared only where the ranges end at both EOFs; otherwise the
    // count is cut to whole blocks (REMAP_FILE_CAN_SHORTEN).
    long count = len;
    long bcount;
    if (srcOffset + count == sizeIn && dstOffset + count == sizeOut) {
      bcount = (sizeIn + bs - 1) / bs * bs - srcOffset;
    } else {
      count = count / bs * bs;
      bcount = count;
    }
    if (s == d && dstOffset + bcount > srcOffset && dstOffset < srcOffset + bcount) {
      return Expected.error(Errno.EINVAL, "R75 generic_remap_checks: overlapping ranges in one file: status -EINVAL");
    }
    if (count == 0) {
      return Expected.ok(len, "R25/R75 cut to no whole block: status SAME without a compare, bytes_deduped the length asked");
    }
    // Both ranges are written back first (R13: the EOF page's post-EOF bytes settle to zero), for SAME
    // and DIFFERS alike; then the page caches are compared.
    model.writeback(s, srcOffset, srcOffset + count, index);
    model.writeback(d, dstOffset, dstOffset + count, index);
    Expected same = Expected.ok(len, "R75 the ranges hold the same bytes: status SAME, bytes_deduped the length asked;"
        + " the contents stay as they are");
    Expected differs = Expected.error(Errno.EBADE, "R75 the ranges differ: status DIFFERS (EBADE), nothing changes");
    Comparison found = compare(s.cache(), srcOffset, d.cache(), dstOffset, count);
    if (found != Comparison.DIFFERS) {
      // A dedupe that shares unmaps the destination's page cache over the range (6.1 xfs_reflink_remap_prep
      // -> xfs_flush_unmap_range -> truncate_pagecache_range, unmap_mapping_range without even_cows; btrfs
      // truncate_inode_pages_range): its notifiers cost the device pages of private copies there their
      // mirror entries (R93's hazard; a 6.1.192 xfs campaign Oopsed on a device read of a migrated private
      // copy right after such a dedupe, not shrunk).
      model.fileRangeNotified(d, dstOffset, dstOffset + bcount);
    }
    if (found == Comparison.SAME && bcount > count) {
      // R22 on fs-dax: the shared EOF block carries the source's post-EOF bytes to the destination.
      // (Where the compare may go either way the destination's keep the value they had: a divergence
      // there would be the model's, and none has been met.)
      Reflink.carryTail(d, dstOffset + count, s, srcOffset + count, Reflink.sharedEofTail(model, s, srcOffset + count));
    }
    return switch (found) {
      case SAME -> same;
      case DIFFERS -> differs;
      // A byte that may read as zero or as its value (U1) against one it may or may not equal: the
      // kernel's compare sees whichever the page cache holds.
      case EITHER -> same.or(Expected.error(Errno.EBADE, "R75/U1 a byte that may read zero decides: SAME or DIFFERS"));
    };
  }

  /** What the kernel's memcmp of two ranges must find. */
  public enum Comparison { SAME, DIFFERS, EITHER }

  /** Whether the kernel's memcmp of the two ranges must find them equal, must not, or may do either. */
  public static Comparison compare(Cells a, long aFrom, Cells b, long bFrom, long n) {
    boolean certain = true;
    for (int i = 0; i < n; i++) {
      int x = (int) (aFrom + i);
      int y = (int) (bFrom + i);
      byte va = a.value(x);
      byte vb = b.value(y);
      boolean za = a.maybeZero(x);
      boolean zb = b.maybeZero(y);
      boolean canEqual = va == vb || (za && vb == 0) || (zb && va == 0) || (za && zb);
      if (!canEqual) {
        return Comparison.DIFFERS;
      }
      if (va != vb || za || zb) {
        certain = false;
      }
    }
    return certain ? Comparison.SAME : Comparison.EITHER;
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFiles(dst, src, (d, s) -> x.kernel().dedupeRange(s, srcOffset, length, d, dstOffset));
  }

  /** The destination range is marked as written: its block map is rewritten (its bytes stay). */
  @Override
  public List<Footprint> footprint(Layout layout) {
    long n = Math.max(0, length);
    return List.of(new Footprint(dst, dstOffset, dstOffset + n, 'W'), new Footprint(src, srcOffset, srcOffset + n, 'R'));
  }

  /** Where the ranges are the same the destination's bytes are, from then on, the source's blocks. */
  @Override
  public Carry carried() {
    return srcOffset < 0 || dstOffset < 0 || length <= 0 ? null : new Carry(dst, dstOffset, src, srcOffset, length);
  }

  /**
   * Block-aligned ranges inside both files, of up to a few blocks or to the nearer EOF; in a third a
   * destination whose bytes are the source range's, found in the model (SAME, the path that shares
   * blocks), and the same file as source and destination in a third. Invalid: an unaligned offset, a
   * source range past EOF, a negative offset or length.
   */
  public static Op generate(Generation g) {
    ModelFile d = g.openFile();
    if (d == null) {
      return null;
    }
    ModelFile s = g.nextInt(3) == 0 ? d : g.openFile();
    int bs = g.blockSize();
    long srcOff = g.blockOffset(Math.max(0, s.size() - bs));
    long dstOff = g.blockOffset(Math.max(0, d.size() - bs));
    long room = Math.max(0, Math.min(s.size() - srcOff, d.size() - dstOff));
    long len = g.nextInt(3) == 0 ? room : Math.min(room, (1L + g.nextInt(3)) * bs);
    if (g.nextInt(3) == 0) {
      long match = matching(g, s, srcOff, d, len);
      if (match >= 0) {
        dstOff = match;
      }
    }
    if (g.invalid()) {
      switch (g.nextInt(4)) {
        case 0 -> srcOff += 1 + g.nextInt(bs - 1);
        case 1 -> dstOff += 1 + g.nextInt(bs - 1);
        case 2 -> len = s.size() - srcOff + 1 + g.nextInt(bs);
        default -> {
          if (g.nextBoolean()) {
            srcOff = -1;
          } else {
            len = -1;
          }
        }
      }
    }
    return new Dedupe(d.id(), s.id(), srcOff, dstOff, len);
  }

  /** A block-aligned offset of d (not the source range itself) whose len bytes the model has the same as s's at srcOff; -1 if none. */
  private static long matching(Generation g, ModelFile s, long srcOff, ModelFile d, long len) {
    int bs = g.blockSize();
    if (len <= 0 || srcOff + len > s.size()) {
      return -1;
    }
    long blocks = (d.size() - len) / bs + 1;
    long start = blocks > 0 ? g.rng().nextLong(blocks) : 0;
    for (long k = 0; k < blocks; k++) {
      long off = (start + k) % blocks * bs;
      boolean overlaps = s == d && off < srcOff + len && srcOff < off + len;
      if (!overlaps && off + len <= d.size() && compare(s.cache(), srcOff, d.cache(), off, len) == Comparison.SAME) {
        return off;
      }
    }
    return -1;
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.first(Bounds.range("srcOffset", srcOffset, -1, Bounds.MAX_FILE),
        Bounds.range("dstOffset", dstOffset, -1, Bounds.MAX_FILE), Bounds.range("length", length, -1, Bounds.MAX_FILE));
  }
}
