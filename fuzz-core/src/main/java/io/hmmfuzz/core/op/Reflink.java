package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * ioctl(dst, FICLONERANGE, {src, srcOffset, length, dstOffset}); length 0 means "to the source's EOF".
 */
public record Reflink(FileId dst, FileId src, long srcOffset, long dstOffset, long length) implements Op {
  @Override
  public Expected model(Model model, int index) {
    return model.remapped(rule(model, dst, src, srcOffset, dstOffset, length, index), model.openFile(dst),
        model.openFile(src));
  }

  /**
   * R19-R23, following Linux 6.1 fs/ioctl.c ioctl_file_clone, fs/remap_range.c
   * do_clone_file_range, __generic_remap_file_range_prep, generic_remap_checks and
   * generic_remap_check_len, fs/xfs/xfs_reflink.c xfs_reflink_remap_prep, fs/btrfs/reflink.c
   * btrfs_clone_files; both files are regular and opened O_RDWR on the same superblock.
   */
  static Expected rule(Model model, FileId dstId, FileId srcId, long srcOff, long dstOff, long reqLen, int index) {
    ModelFile dst = model.openFile(dstId);
    ModelFile src = model.openFile(srcId);
    if (dst == null || src == null) {
      return Expected.notLive();
    }
    if (!model.caps().reflink()) {
      return Expected.error(Errno.EOPNOTSUPP, "R19 no ->remap_file_range (ext4, tmpfs, xfs without reflink)");
    }
    if (srcOff < 0 || dstOff < 0 || reqLen < 0) {
      return Expected.error(Errno.EINVAL, "R20 remap_verify_area: negative offset or length");
    }
    long sizeIn = src.size();
    long len = reqLen;
    if (len == 0) {
      if (srcOff == sizeIn) {
        return Expected.ok(0, "R21 length 0 at the source's EOF: nothing to do");
      }
      if (srcOff > sizeIn) {
        return Expected.error(Errno.EINVAL, "R21 length 0 beyond the source's EOF");
      }
      len = sizeIn - srcOff;
    }
    long bs = model.caps().blockSize();
    if (srcOff % bs != 0 || dstOff % bs != 0) {
      return Expected.error(Errno.EINVAL, "R21 generic_remap_checks: offsets not block aligned");
    }
    if (srcOff >= sizeIn) {
      return Expected.error(Errno.EINVAL, "R21 generic_remap_checks: source offset at or beyond EOF");
    }
    long count = Math.min(len, sizeIn - srcOff);
    long bcount;
    if (srcOff + count == sizeIn) {
      bcount = (sizeIn + bs - 1) / bs * bs - srcOff;
    } else {
      count = count / bs * bs;
      bcount = count;
    }
    if (src == dst && dstOff + bcount > srcOff && dstOff < srcOff + bcount) {
      return Expected.error(Errno.EINVAL, "R21 generic_remap_checks: overlapping ranges in one file");
    }
    if (count != len) {
      return Expected.error(Errno.EINVAL, "R21 generic_remap_checks: the request would have to be shortened");
    }
    // Both ranges are written back before the remap (filemap_write_and_wait_range): R13 zeroing.
    model.writeback(src, srcOff, srcOff + count, index);
    model.writeback(dst, dstOff, dstOff + count, index);
    if (count % bs != 0 && dstOff + count < dst.size()) {
      return Expected.error(Errno.EINVAL, "R21 generic_remap_check_len: partial EOF block inside the destination");
    }
    remap(model, dst, src, srcOff, dstOff, count, index);
    return Expected.ok(0, "R22 clone succeeds");
  }

  /**
   * R22/R23, what a remap of {@code count} bytes that passed every check does (FICLONERANGE, and
   * copy_file_range's remap, R72): the destination range takes the source's bytes at call time; a gap
   * past the old EOF reads zero (xfs_reflink_zero_posteof, btrfs_cont_expand); the size only grows.
   * The destination's page cache over the range is dropped and re-read; its post-EOF bytes are already
   * "may read zero" on disk filesystems (Model.markPostEofUncertain), the only ones with reflink.
   * On fs-dax a remap to the source's EOF shares the source's whole EOF block, and the destination's
   * mappings then map that block itself: the destination's post-EOF bytes are the source's
   * ({@link #sharedEofTail}).
   */
  static void remap(Model model, ModelFile dst, ModelFile src, long srcOff, long dstOff, long count, int index) {
    long srcEnd = srcOff + count;
    long tail = sharedEofTail(model, src, srcEnd);
    Cells data = src.cache().slice((int) srcOff, (int) srcEnd);
    model.fileRangeNotified(dst, dstOff, dstOff + count);
    model.extend(dst, Math.max(dst.size(), dstOff + count), dstOff, index);
    dst.cache().copyFrom(data, 0, (int) dstOff, (int) count);
    // Carried after the extension: within one file, xfs_reflink_remap_prep zeroes the old post-EOF
    // bytes up to the destination offset (xfs_reflink_zero_posteof) before it shares the block, and the
    // block then carries those zeros (6.12.118 xfs-dax campaign, copy_file_range of a file's one byte to
    // its second block).
    carryTail(dst, dstOff + count, src, srcEnd, tail);
  }

  /** Copies the {@code tail} bytes after {@code srcEnd} of src to dst at {@code dstEnd} ({@link #sharedEofTail}). */
  static void carryTail(ModelFile dst, long dstEnd, ModelFile src, long srcEnd, long tail) {
    if (tail > 0) {
      dst.cache().copyFrom(src.cache().slice((int) srcEnd, (int) (srcEnd + tail)), 0, (int) dstEnd, (int) tail);
    }
  }

  /**
   * R22 on fs-dax: the bytes after {@code srcEnd} that a remap (or a dedupe that shares) carries with
   * the source's EOF block when it ends at the source's unaligned EOF, else 0. The remap shares whole
   * blocks (xfs_reflink_remap_blocks rounds the length up to the block at EOF), and a DAX mapping maps
   * the block itself: no page cache is re-read and zeroed past EOF (iomap's read path does that on
   * the page cache), so the source's post-EOF bytes, exact on DAX (U1), are the destination's. The
   * remap's own checks (R21) make the destination's new EOF that of the range, so these bytes land past
   * it. Met by the 6.12.118 xfs-dax campaign: a clone of a 1-byte file onto a mapped file with a stored
   * post-EOF byte reads zero there; and the two xfs-dax corpus entries of clone/cpu-view/bytes-of-store.
   */
  static long sharedEofTail(Model model, ModelFile src, long srcEnd) {
    if (!model.caps().dax() || srcEnd != src.size()) {
      return 0;
    }
    return model.roundUpPage(srcEnd) - srcEnd;
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return x.onFiles(dst, src, (d, s) -> x.kernel().cloneRange(d, s, srcOffset, length, dstOffset));
  }

  @Override
  public List<Footprint> footprint(Layout layout) {
    long end = length == 0 ? Long.MAX_VALUE : dstOffset + length;
    List<Footprint> out = new ArrayList<>();
    out.add(new Footprint(dst, dstOffset, end, 'W'));
    out.add(new Footprint(src, srcOffset, length == 0 ? Long.MAX_VALUE : srcOffset + length, 'R'));
    return out;
  }

  /** Length 0 carries the source from {@code srcOffset} to its EOF (R19). */
  @Override
  public Carry carried() {
    return new Carry(dst, dstOffset, src, srcOffset, length == 0 ? Long.MAX_VALUE - srcOffset : length);
  }

  /** Block-aligned ranges (a share deliberately not), of zero, to-EOF or a few blocks' length. */
  public static Op generate(Generation g) {
    ModelFile f = g.openFile();
    if (f == null) {
      return null;
    }
    ModelFile src = g.openFile();
    int bs = g.blockSize();
    long srcOff = g.blockOffset(src.size());
    long dstOff = g.blockOffset(f.size() + 2L * bs);
    long len;
    int c = g.nextInt(4);
    if (c == 0) {
      len = 0;
    } else if (c == 1) {
      len = Math.max(0, src.size() - srcOff);
    } else {
      len = (1L + g.nextInt(3)) * bs;
    }
    if (g.invalid()) {
      switch (g.nextInt(3)) {
        case 0 -> srcOff += 1 + g.nextInt(bs - 1);
        case 1 -> dstOff += 1 + g.nextInt(bs - 1);
        default -> len += 1 + g.nextInt(bs - 1);
      }
    }
    return new Reflink(f.id(), src.id(), srcOff, dstOff, len);
  }

  @Override
  public String problem(Layout layout) {
    return Bounds.first(Bounds.range("srcOffset", srcOffset, -1, Bounds.MAX_FILE),
        Bounds.range("dstOffset", dstOffset, -1, Bounds.MAX_FILE), Bounds.range("length", length, -1, Bounds.MAX_FILE));
  }
}
