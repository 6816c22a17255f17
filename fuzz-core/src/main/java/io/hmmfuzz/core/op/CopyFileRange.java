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
 * copy_file_range(src, &srcOffset, dst, &dstOffset, length, 0): the value is the bytes copied, which
 * may be fewer than asked (R71). {@code length} is the system call's size_t: -1 is SIZE_MAX, "all of
 * it". {@code dstOffset} may be {@link Long#MAX_VALUE}, past every filesystem's s_maxbytes, for the
 * EFBIG rule (R70), which 6.1 and 6.12 apply differently.
 */
public record CopyFileRange(FileId dst, FileId src, long srcOffset, long dstOffset, long length) implements Op {
  /**
   * R70-R72, following Linux 6.1.192 and 6.12.117 fs/read_write.c (SYSCALL copy_file_range,
   * vfs_copy_file_range, generic_copy_file_checks, rw_verify_area), fs/remap_range.c
   * (generic_remap_checks, generic_remap_check_len) and the filesystems' remap_file_range: both files
   * are regular, on one superblock, opened O_RDWR without O_APPEND, and no filesystem here has its own
   * ->copy_file_range.
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
    // 6.12.117's generic_copy_file_checks calls generic_write_check_limits only for a count != 0;
    // 6.1.192's always does, and so does 6.18.44 (seen: a count-0 copy to 2^63 - 1 fails with EFBIG
    // there), so the skip is keyed to the 6.12 series, the one whose source has it.
    io.hmmfuzz.core.KernelVersion k = model.caps().kernel();
    boolean limitsOnlyForCount = k.atLeast(6, 12) && !k.atLeast(6, 13);
    // R70 step 8: pos + len as u64 (the size_t length, the offsets as they are).
    if (Long.compareUnsigned(srcOffset + length, srcOffset) < 0 || Long.compareUnsigned(dstOffset + length, dstOffset) < 0) {
      return Expected.error(Errno.EOVERFLOW, "R70 generic_copy_file_checks: an offset plus the length wraps");
    }
    // R70 step 9: the count is shortened to the source's EOF (0 at or past it); a negative source
    // offset is below every size, and only a length 0 gets here with one (step 8).
    long sizeIn = s.size();
    long count = srcOffset >= sizeIn ? 0 : unsignedMin(length, sizeIn - srcOffset);
    // R70 step 10, generic_write_check_limits: only Long.MAX_VALUE reaches s_maxbytes here (every
    // other offset is below Bounds.MAX_FILE, and ext4's smallest s_maxbytes is 2^42 - 1024). 6.1 and
    // 6.18 check the destination even when there is nothing to copy; 6.12 only when count != 0.
    if (dstOffset == Long.MAX_VALUE && (count != 0 || !limitsOnlyForCount)) {
      return Expected.error(Errno.EFBIG, count != 0 ? "R70 generic_write_check_limits: destination offset at s_maxbytes"
          : "R70 the destination's limit is checked even for count 0 (6.1, 6.18; 6.12 skips it)");
    }
    // R70 step 11 (count is the shortened one: nothing past the source's EOF overlaps).
    if (d == s && count != 0 && dstOffset + count > srcOffset && dstOffset < srcOffset + count) {
      return Expected.error(Errno.EINVAL, "R70 generic_copy_file_checks: overlapping ranges in one file");
    }
    // R70 step 12, rw_verify_area of both: a negative offset. (On 6.1 a destination offset of -1 first
    // makes generic_write_check_limits overflow the count to 2^63, which rw_verify_area refuses with
    // EINVAL too.)
    if (srcOffset < 0 || dstOffset < 0) {
      return Expected.error(Errno.EINVAL, "R70 rw_verify_area: negative offset");
    }
    if (count == 0) {
      return Expected.ok(0, length == 0 ? "R70 length 0: nothing to copy"
          : "R70 the source offset is at or past the source's EOF: nothing to copy");
    }
    if (model.caps().reflink()) {
      // R71: vfs_copy_file_range first asks ->remap_file_range with REMAP_FILE_CAN_SHORTEN (xfs with
      // reflink, btrfs; an xfs without reflink refuses with EOPNOTSUPP and is copied as below).
      long bs = model.caps().blockSize();
      if (srcOffset % bs == 0 && dstOffset % bs == 0) {
        // generic_remap_checks: a count that does not end at the source's EOF is cut to whole blocks.
        // (Its second overlap test, with the EOF block rounded up, cannot fail where step 11 passed:
        // both offsets are block aligned.)
        long c = srcOffset + count == sizeIn ? count : count / bs * bs;
        if (c > 0) {
          // __generic_remap_file_range_prep writes back both ranges (R13: the EOF page's post-EOF
          // bytes settle to zero), then generic_remap_check_len cuts a partial EOF block that would
          // land inside the destination. Where generic_remap_checks already cut the count to 0, 6.1
          // still writes back [pos, pos - 1] (all of a file at pos 0) and 6.12 returns first: not
          // modelled, U1 allows the zeros either way.
          model.writeback(s, srcOffset, srcOffset + c, index);
          model.writeback(d, dstOffset, dstOffset + c, index);
          if (c % bs != 0 && dstOffset + c < d.size()) {
            c = c / bs * bs;
          }
          if (c > 0) {
            // R72 remap path: FICLONERANGE's effects (R22/R23) over c bytes; the value is c, short
            // where a partial block was cut (the caller must loop).
            Reflink.remap(model, d, s, srcOffset, dstOffset, c, index);
            return Expected.ok(c, c < count ? "R71 remap of whole blocks: a short count, the partial block is left for the next call"
                : "R71 remap of the whole range (REMAP_FILE_CAN_SHORTEN)");
          }
        }
      }
      // A remap that returns 0 or fails (unaligned offsets: EINVAL) falls back to the splice copy.
    }
    // R72 splice path (do_splice_direct): pread of the source's page cache, pwrite of the bytes at
    // dstOffset, with pwrite's extension rule (R14; U2 on tmpfs). The value is the whole count.
    Cells data = s.cache().slice((int) srcOffset, (int) (srcOffset + count));
    model.extend(d, Math.max(d.size(), dstOffset + count), dstOffset, index);
    model.writeCells(d, dstOffset, data);
    return Expected.ok(count, model.caps().reflink() ? "R72 the remap took nothing: splice copy of the whole count"
        : "R72 splice copy of the whole count (no remap here)");
  }

  private static long unsignedMin(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0 ? a : b;
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFiles(dst, src, (d, s) -> x.kernel().copyFileRange(s, srcOffset, d, dstOffset, length));
  }

  /** The bytes asked for (from {@code srcOffset}: all of it for a length of -1), none for a negative offset. */
  private long span(long from) {
    if (from < 0) {
      return 0;
    }
    return length < 0 || from > Long.MAX_VALUE - length ? Long.MAX_VALUE - from : length;
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    return List.of(new Footprint(dst, dstOffset, dstOffset + span(dstOffset), 'W'),
        new Footprint(src, srcOffset, srcOffset + span(srcOffset), 'R'));
  }

  /** The source's bytes carried to the destination (both paths copy them; a short remap fewer). */
  @Override
  public Carry carried() {
    return srcOffset < 0 || dstOffset < 0 ? null : new Carry(dst, dstOffset, src, srcOffset, span(srcOffset));
  }

  /**
   * Block-aligned offsets mostly (the remap path where there is one), a share anywhere (the splice
   * copy); lengths of a few blocks, some with a partial block (a short count on the remap path), or to
   * the source's EOF; the same file as source and destination in a quarter, mostly not overlapping.
   * Invalid: a negative offset, a destination offset past s_maxbytes, the length SIZE_MAX, an overlap.
   */
  public static Op generate(Generation g) {
    ModelFile d = g.openFile();
    if (d == null) {
      return null;
    }
    ModelFile s = g.nextInt(4) == 0 ? d : g.openFile();
    int bs = g.blockSize();
    boolean aligned = g.nextInt(4) != 0;
    long srcOff = aligned ? g.blockOffset(s.size()) : g.rangeOffset(s);
    long dstOff = aligned ? g.blockOffset(d.size() + 2L * bs) : g.rangeOffset(d);
    long len = switch (g.nextInt(4)) {
      case 0 -> Math.max(0, s.size() - srcOff);
      case 1 -> (1L + g.nextInt(3)) * bs + 1 + g.nextInt(bs - 1);
      default -> (1L + g.nextInt(3)) * bs;
    };
    if (s == d && g.nextInt(4) != 0 && dstOff < srcOff + len && srcOff < dstOff + len) {
      dstOff = (srcOff + len + bs - 1) / bs * bs; // past the source range: a valid same-file copy
    }
    if (g.invalid()) {
      switch (g.nextInt(4)) {
        case 0 -> srcOff = -1;
        case 1 -> dstOff = g.nextBoolean() ? -1 : Long.MAX_VALUE;
        case 2 -> len = -1;
        default -> {
          s = d;
          dstOff = srcOff + g.nextInt((int) Math.max(1, Math.min(len, bs)));
        }
      }
    }
    return new CopyFileRange(d.id(), s.id(), srcOff, dstOff, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.first(Bounds.range("srcOffset", srcOffset, -1, Bounds.MAX_FILE),
        dstOffset == Long.MAX_VALUE ? null : Bounds.range("dstOffset", dstOffset, -1, Bounds.MAX_FILE),
        Bounds.range("length", length, -1, Bounds.MAX_FILE));
  }
}
