package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.model.Outcome.Status;
import io.hmmfuzz.core.op.Dedupe;
import io.hmmfuzz.core.op.Load;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mremap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.Tag;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Model rules against the outcomes the semantics notes record for real kernels (R#). */
class ModelRuleTests {
  static Capabilities caps(FsKind fs, boolean reflink) {
    return new Capabilities(KernelVersion.parse("6.18.44"), fs, 4096, 4096, reflink, false, false,
        fs != FsKind.TMPFS, true, false);
  }

  /** Runs the model over a program; returns each op's expectation. */
  static List<Expected> run(Capabilities caps, String program) throws Exception {
    Program p = ProgramText.parse(program, "t");
    Model m = new Model(caps);
    List<Expected> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      Op op = p.op(i);
      out.add(op.model(m, i));
    }
    return out;
  }

  static final String SHARED = " prot=rw sharing=shared sync=false\n";
  static final String PRIVATE = " prot=rw sharing=private sync=false\n";

  @Test
  void accessWhollyBeyondEofIsSigbusAndTheEofPageTailReadsZero() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x1001\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + SHARED
        + "load m0 offset=0x1000 length=0x1000\n"
        + "load m0 offset=0xfff length=0x1002\n"
        + "store m0 offset=0x2000 length=0x1\n");
    assertEquals(Status.OK, e.get(2).status());
    assertEquals(Tag.byteAt(0, 0x1000), e.get(2).data().value(0));
    for (int i = 1; i < 0x1000; i++) {
      assertEquals(0, e.get(2).data().value(i), "R12 tail byte " + i);
    }
    assertEquals(Status.SIGNAL, e.get(3).status());
    assertEquals(Signal.SIGBUS, e.get(3).signal());
    assertEquals(0x1001, e.get(3).value(), "fault at the first byte of page 2 within the access");
    assertEquals(Signal.SIGBUS, e.get(4).signal());
  }

  @Test
  void postEofStoreMayBeZeroedByWritebackOnDiskButStaysOnTmpfs() throws Exception {
    String prog = "open f0 size=0x800\nmmap m0 file=f0 offset=0x0 length=0x1000" + SHARED
        + "store m0 offset=0x900 length=0x10\nload m0 offset=0x900 length=0x10\n";
    Expected disk = run(caps(FsKind.XFS, true), prog).get(3);
    assertTrue(disk.data().maybeZero(0), "U1: {stored, 0} on xfs");
    assertTrue(disk.data().allows(0, (byte) 0));
    assertTrue(disk.data().allows(0, Tag.byteAt(2, 0x900)));
    assertFalse(disk.data().allows(0, (byte) 0x77 == Tag.byteAt(2, 0x900) ? (byte) 0x78 : (byte) 0x77));
    Expected tmpfs = run(caps(FsKind.TMPFS, false), prog).get(3);
    assertFalse(tmpfs.data().allows(0, (byte) 0), "tmpfs keeps post-EOF stores");
    Expected synced = run(caps(FsKind.XFS, true), prog.replace("load", "fsync f0\nload")).get(4);
    assertTrue(synced.data().allows(0, (byte) 0));
    assertFalse(synced.data().allows(0, Tag.byteAt(2, 0x900)), "R13: fsync zeroes them on disk filesystems");
  }

  @Test
  void extensionExposesZerosExceptOnTmpfs() throws Exception {
    String prog = "open f0 size=0x800\nmmap m0 file=f0 offset=0x0 length=0x1000" + SHARED
        + "store m0 offset=0x900 length=0x10\nftruncate f0 size=0x1000\npread f0 offset=0x900 length=0x10\n";
    Expected xfs = run(caps(FsKind.XFS, true), prog).get(4);
    assertEquals(0x10, xfs.value());
    assertFalse(xfs.data().allows(0, Tag.byteAt(2, 0x900)), "R14: zero after extension");
    Expected tmpfs = run(caps(FsKind.TMPFS, false), prog).get(4);
    assertTrue(tmpfs.data().allows(0, Tag.byteAt(2, 0x900)), "U2: tmpfs makes them file data");
  }

  @Test
  void privateCopiesSurvivePwriteAndPartialTruncateButNotWholePageTruncate() throws Exception {
    List<Expected> e = run(caps(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x10 length=0x1\n"
        + "store m0 offset=0x1010 length=0x1\n"
        + "pwrite f0 offset=0x0 length=0x2000\n"
        + "load m0 offset=0x10 length=0x1\n"
        + "load m0 offset=0x11 length=0x1\n"
        + "ftruncate f0 size=0x1001\n"
        + "load m0 offset=0x1010 length=0x1\n"
        + "ftruncate f0 size=0x1000\n"
        + "ftruncate f0 size=0x2000\n"
        + "load m0 offset=0x1010 length=0x1\n"
        + "load m0 offset=0x800 length=0x1\n");
    assertEquals(Tag.byteAt(2, 0x10), e.get(5).data().value(0), "R10: the COWed byte stays private");
    assertEquals(Tag.byteAt(0, 0x11), e.get(6).data().value(0), "R10: the COW copy froze the page at copy time");
    assertEquals(Tag.byteAt(3, 0x1010), e.get(8).data().value(0), "R17: a COW copy of the EOF page survives");
    assertEquals(0, e.get(11).data().value(0), "R17: the COW copy of a page beyond EOF was dropped: zero");
    assertEquals(Tag.byteAt(0, 0x800), e.get(12).data().value(0), "R10: page 0 is still the private copy");
  }

  @Test
  void reflinkErrorsFollowGenericRemapChecks() throws Exception {
    Capabilities xfs = caps(FsKind.XFS, true);
    String files = "open f0 size=0x1800\nopen f1 size=0x3000\n";
    assertEquals(Errno.EINVAL, run(xfs, files + "reflink f1 src=f0 srcOffset=0x1 dstOffset=0x0 length=0x1000\n")
        .get(2).errno());
    assertEquals(Errno.EINVAL, run(xfs, files + "reflink f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x100\n")
        .get(2).errno());
    assertEquals(Errno.EINVAL, run(xfs, files + "clone f1 src=f0\n").get(2).errno(),
        "partial EOF block inside a larger destination (generic_remap_check_len)");
    assertEquals(Errno.EINVAL, run(xfs, files + "clone f0 src=f0\n").get(2).errno(), "same-file overlap");
    assertEquals(Status.OK, run(xfs, files + "clone f0 src=f1\n").get(2).status());
    assertEquals(Errno.EINVAL, run(xfs, files + "reflink f1 src=f0 srcOffset=0x2000 dstOffset=0x0 length=0x0\n")
        .get(2).errno(), "length 0 beyond the source EOF");
    assertEquals(Status.OK, run(xfs, files + "reflink f1 src=f0 srcOffset=0x1800 dstOffset=0x0 length=0x0\n")
        .get(2).status(), "length 0 at the source EOF is a no-op");
    assertEquals(Errno.EOPNOTSUPP, run(caps(FsKind.EXT4, false), files + "clone f1 src=f0\n").get(2).errno());
  }

  @Test
  void reflinkCopiesAndExtendsWithZeroGap() throws Exception {
    List<Expected> e = run(caps(FsKind.BTRFS, true), "open f0 size=0x1800\nopen f1 size=0x800\n"
        + "reflink f1 src=f0 srcOffset=0x0 dstOffset=0x2000 length=0x0\n"
        + "pread f1 offset=0x0 length=0x4000\n");
    assertEquals(Status.OK, e.get(2).status());
    Expected read = e.get(3);
    assertEquals(0x3800, read.value());
    assertEquals(Tag.byteAt(1, 0x7ff), read.data().value(0x7ff));
    assertEquals(0, read.data().value(0x800), "R22: the gap reads zero");
    assertEquals(Tag.byteAt(0, 0x10), read.data().value(0x2010));
  }

  static Capabilities caps(FsKind fs, boolean reflink, String kernel, int blockSize) {
    return new Capabilities(KernelVersion.parse(kernel), fs, 4096, blockSize, reflink, false, false,
        fs != FsKind.TMPFS, true, false);
  }

  @Test
  void copyFileRangeErrorsFollowGenericCopyFileChecks() throws Exception {
    Capabilities xfs = caps(FsKind.XFS, true);
    String files = "open f0 size=0x3000\nopen f1 size=0x1000\n";
    assertEquals(Errno.EINVAL, run(xfs, files + "copy-file-range f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x2000\n")
        .get(2).errno(), "R70 overlapping ranges in one file");
    assertEquals(Status.OK, run(xfs, files + "copy-file-range f0 src=f0 srcOffset=0x2000 dstOffset=0x1000 length=0x5000\n")
        .get(2).status(), "the count is cut to the source's EOF first: [0x1000, 0x2000) does not overlap");
    assertEquals(0, run(xfs, files + "copy-file-range f1 src=f0 srcOffset=0x3000 dstOffset=0x0 length=0x1000\n")
        .get(2).value(), "R70 at the source's EOF: nothing to copy");
    assertEquals(Errno.EINVAL, run(xfs, files + "copy-file-range f1 src=f0 srcOffset=-0x1 dstOffset=0x0 length=0x0\n")
        .get(2).errno(), "R70 rw_verify_area: negative offset");
    assertEquals(Errno.EOVERFLOW, run(xfs, files + "copy-file-range f1 src=f0 srcOffset=-0x1 dstOffset=0x0 length=0x1\n")
        .get(2).errno(), "R70 pos + len wraps as u64");
    assertEquals(Errno.EOVERFLOW, run(xfs, files + "copy-file-range f1 src=f0 srcOffset=0x10 dstOffset=0x0 length=-0x1\n")
        .get(2).errno(), "SIZE_MAX from a nonzero offset wraps");
    assertEquals(0x3000, run(xfs, files + "copy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=-0x1\n")
        .get(2).value(), "SIZE_MAX from 0: all of the source");
    String huge = "copy-file-range f1 src=f0 srcOffset=0x3000 dstOffset=0x7fffffffffffffff length=0x10\n";
    assertEquals(Errno.EFBIG, run(caps(FsKind.XFS, true, "6.1.192", 4096), files + huge).get(2).errno(),
        "R70 6.1 checks the destination's limit even with nothing to copy");
    assertEquals(Status.OK, run(caps(FsKind.XFS, true, "6.12.117", 4096), files + huge).get(2).status(),
        "R70 6.12 checks it only for a count");
    assertEquals(Errno.EFBIG, run(caps(FsKind.XFS, true, "6.18.44", 4096), files + huge).get(2).errno(),
        "R70 6.18 checks it again (seen on 6.18.44)");
    assertEquals(Errno.EFBIG, run(caps(FsKind.XFS, true, "6.12.117", 4096), files
        + "copy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x7fffffffffffffff length=0x10\n").get(2).errno());
  }

  @Test
  void copyFileRangeRemapsWholeBlocksAndCopiesTheRest() throws Exception {
    String prog = "open f0 size=0x3000\nopen f1 size=0x4000\n"
        + "copy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1800\n"
        + "copy-file-range f1 src=f0 srcOffset=0x10 dstOffset=0x0 length=0x1800\n"
        + "copy-file-range f1 src=f0 srcOffset=0x2000 dstOffset=0x0 length=0x1000\n"
        + "copy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x6000 length=0x1000\n"
        + "pread f1 offset=0x0 length=0x7000\n";
    List<Expected> xfs = run(caps(FsKind.XFS, true), prog);
    assertEquals(0x1000, xfs.get(2).value(), "R71 aligned offsets: the remap takes whole blocks, a short count");
    assertEquals(0x1800, xfs.get(3).value(), "R71 unaligned: the remap refuses, the splice copies everything");
    assertEquals(0x1000, xfs.get(4).value(), "to the source's EOF: the whole count");
    List<Expected> ext4 = run(caps(FsKind.EXT4, false), prog);
    assertEquals(0x1800, ext4.get(2).value(), "R71 splice copy: the whole count");
    Expected read = xfs.get(6);
    assertEquals(0x7000, read.value(), "extended to 0x6000 + 0x1000");
    assertEquals(Tag.byteAt(0, 0x2000), read.data().value(0), "the last copy into f1's start");
    assertEquals(Tag.byteAt(0, 0x1010), read.data().value(0x1000), "the unaligned copy over the remapped block");
    assertEquals(Tag.byteAt(0, 0x800), read.data().value(0x1800));
    assertEquals(Tag.byteAt(1, 0x2000), read.data().value(0x2000), "short: f1's own bytes stay past the block");
    assertEquals(0, read.data().value(0x4000), "R14 the gap past the old EOF reads zero");
    assertEquals(Tag.byteAt(0, 0x0), read.data().value(0x6000));
    assertEquals(0x1800, run(caps(FsKind.XFS, true, "6.18.44", 1024), prog).get(2).value(),
        "1 KiB blocks: 0x1800 is whole blocks");
  }

  @Test
  void copyFileRangeOfAPartialEofBlockIntoTheMiddleOfAFileIsCutOrCopied() throws Exception {
    String prog = "open f0 size=0x1800\nopen f1 size=0x4000\n"
        + "copy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x1800\n"
        + "copy-file-range f1 src=f0 srcOffset=0x1000 dstOffset=0x1000 length=0x800\n"
        + "copy-file-range f1 src=f0 srcOffset=0x1000 dstOffset=0x4000 length=0x800\n";
    List<Expected> e = run(caps(FsKind.BTRFS, true), prog);
    assertEquals(0x1000, e.get(2).value(), "generic_remap_check_len cuts the partial EOF block: short");
    assertEquals(0x800, e.get(3).value(), "cut to nothing: the splice copies it");
    assertEquals(0x800, e.get(4).value(), "at the destination's EOF the partial block is remapped");
  }

  @Test
  void dedupeComparesThePageCacheAndReportsSameOrDiffers() throws Exception {
    Capabilities xfs = caps(FsKind.XFS, true);
    String files = "open f0 size=0x3000\nopen f1 size=0x3000\ncopy-file-range f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x2000\n";
    assertEquals(0x2000, run(xfs, files + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x2000\n").get(3).value(),
        "R75 SAME: bytes_deduped is the length");
    Expected differs = run(xfs, files + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x3000\n").get(3);
    assertEquals(Errno.EBADE, differs.errno(), "R75 DIFFERS, as EBADE");
    assertEquals(Errno.EINVAL, run(xfs, files + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x1 length=0x1000\n").get(3).errno(),
        "status -EINVAL: unaligned");
    assertEquals(Errno.EINVAL, run(xfs, files + "dedupe f1 src=f0 srcOffset=0x2000 dstOffset=0x0 length=0x1001\n").get(3).errno(),
        "the ioctl fails: the source range passes EOF");
    assertEquals(Errno.EINVAL, run(xfs, files + "dedupe f0 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x1000\n").get(3).errno(),
        "same file, same range: overlap");
    assertEquals(0x800, run(xfs, files + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x800\n").get(3).value(),
        "R25 cut to no whole block: SAME without a compare, the length asked");
    assertEquals(0, run(xfs, files + "dedupe f1 src=f0 srcOffset=0x1 dstOffset=0x0 length=0x0\n").get(3).value(),
        "length 0: SAME before any check of the filesystem");
    assertEquals(Errno.EOPNOTSUPP, run(caps(FsKind.XFS, false), files
        + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x1000\n").get(3).errno(), "xfs without reflink: status");
    assertEquals(Errno.EOPNOTSUPP, run(caps(FsKind.EXT4, false), files
        + "dedupe f1 src=f0 srcOffset=0x0 dstOffset=0x0 length=0x0\n").get(3).errno(), "ext4: the ioctl fails");
  }

  /**
   * The compare of R75 over cells: a byte that may read as zero (U1) against zero may be equal or not,
   * so both SAME and DIFFERS are allowed. (Inside EOF no such byte is left on a disk filesystem, R14,
   * so this is the rule's guard, checked on cells directly.)
   */
  @Test
  void dedupeComparesMaybeZeroBytesEitherWay() {
    Cells maybe = new Cells(3);
    maybe.tag(0, 3, 7, 0);
    maybe.allowZero(0, 3);
    Cells zeros = new Cells(3);
    assertEquals(Dedupe.Comparison.EITHER, Dedupe.compare(maybe, 0, zeros, 0, 3));
    assertEquals(Dedupe.Comparison.EITHER, Dedupe.compare(maybe, 0, maybe, 0, 3));
    assertEquals(Dedupe.Comparison.DIFFERS, Dedupe.compare(Cells.exactly(new byte[] {1, 2, 0}), 0, zeros, 0, 3));
    assertEquals(Dedupe.Comparison.SAME, Dedupe.compare(zeros, 0, zeros, 0, 3));
  }

  @Test
  void mmapArgumentErrors() throws Exception {
    List<Expected> e = run(caps(FsKind.TMPFS, false), "open f0 size=0x10\n"
        + "mmap m0 file=f0 offset=0x1 length=0x1000" + SHARED
        + "mmap m1 file=f0 offset=0x0 length=0x0" + SHARED
        + "mmap m2 file=f0 offset=0x0 length=0x1000 prot=rw sharing=shared sync=true\n"
        + "load m0 offset=0x0 length=0x1\n");
    assertEquals(Errno.EINVAL, e.get(1).errno());
    assertEquals(Errno.EINVAL, e.get(2).errno());
    assertEquals(Errno.EOPNOTSUPP, e.get(3).errno());
    assertEquals(Status.NOT_LIVE, e.get(4).status());
  }

  static Capabilities hmm(FsKind fs, boolean dax) {
    return new Capabilities(KernelVersion.parse("6.1.192"), fs, 4096, 4096, fs == FsKind.XFS || fs == FsKind.XFS_DAX,
        dax, dax, true, true, true);
  }

  static Outcome bytes(int value, byte... data) {
    return Outcome.ok(value, data);
  }

  @Test
  void onlyPrivateCopiesMigrateAndTheSnapshotThenAllowsTheDeviceEntryUntilACpuAccess() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x2\n"
        + "snapshot m0 offset=0x0 pages=0x2\n"
        + "load m0 offset=0x0 length=0x1\n"
        + "snapshot m0 offset=0x0 pages=0x2\n"
        + "migrate-back m0 offset=0x0 pages=0x2\n"
        + "migrate m0 offset=0x1000 pages=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x2\n");
    // R38: ok with the CPU's bytes, or ENOENT where an unmigrated page is no longer mirrored.
    assertEquals(Status.OK, e.get(3).status());
    assertTrue(e.get(3).allows(Outcome.error(Errno.ENOENT, 2)));
    assertFalse(e.get(3).allows(Outcome.error(Errno.EFAULT, 14)));
    assertTrue(e.get(4).allows(bytes(2, (byte) 0x22, (byte) 0x01)), "page 0 on the device, writable");
    assertFalse(e.get(4).allows(bytes(2, (byte) 0x01, (byte) 0x22)), "page 1 was never copied: cannot migrate");
    assertFalse(e.get(6).allows(bytes(2, (byte) 0x22, (byte) 0x01)), "the load brought page 0 back");
    assertTrue(e.get(7).allows(Outcome.ok(0)));
    assertFalse(e.get(7).allows(Outcome.ok(1)), "R39 nothing is left on the device");
    assertFalse(e.get(9).allows(Outcome.ok(1)), "page 1 is page cache: it never migrates");
  }

  @Test
  void migrationOfDaxOrUnreadableMappingsIsEinval() throws Exception {
    List<Expected> e = run(hmm(FsKind.XFS_DAX, true), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "mprotect m0 prot=none\n"
        + "migrate-back m0 offset=0x0 pages=0x1\n"
        + "migrate m0 offset=0x1 pages=0x1\n");
    assertTrue(e.get(2).allows(Outcome.error(Errno.EINVAL, 22)), "migrate_vma_setup: vma_is_dax");
    assertTrue(e.get(4).allows(Outcome.error(Errno.EINVAL, 22)));
    assertTrue(e.get(5).allows(Outcome.error(Errno.EINVAL, 22)), "R33 unaligned");
  }

  @Test
  void exclusiveWriteFaultsPrivatePagesAndOnlyAnonymousOnesSucceed() throws Exception {
    List<Expected> e = run(hmm(FsKind.XFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + SHARED
        + "mmap m1 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "exclusive m0 offset=0x0 pages=0x2\n"
        + "exclusive m1 offset=0x0 pages=0x2\n"
        + "check-exclusive m1 offset=0x0 pages=0x1\n"
        + "pwrite f0 offset=0x0 length=0x10\n"
        + "load m1 offset=0x0 length=0x10\n"
        + "check-exclusive m1 offset=0x0 pages=0x1\n"
        + "check-exclusive m1 offset=0x1000 pages=0x1\n"
        + "ftruncate f0 size=0x0\n"
        + "exclusive m1 offset=0x0 pages=0x1\n");
    assertTrue(e.get(3).allows(Outcome.error(Errno.EBUSY, 16)), "page-cache pages are not anonymous");
    assertEquals(Status.OK, e.get(4).status());
    assertTrue(e.get(5).allows(Outcome.error(Errno.EPERM, 1)));
    assertTrue(e.get(5).allows(Outcome.ok(0)));
    assertEquals(Tag.byteAt(0, 0), e.get(7).data().value(0), "the copy made by exclusive's write fault keeps the old bytes");
    assertFalse(e.get(8).allows(Outcome.error(Errno.EPERM, 1)), "the CPU access restored page 0");
    assertTrue(e.get(9).allows(Outcome.error(Errno.EPERM, 1)), "page 1 was not touched");
    assertTrue(e.get(11).allows(Outcome.error(Errno.EBUSY, 16)), "beyond EOF the write fault fails");
  }

  @Test
  void deviceReadsAndWritesLeaveDevicePagesWhereTheyAre() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "dread m0 offset=0x0 pages=0x1\n"
        + "dwrite m0 offset=0x0\n"
        + "migrate-back m0 offset=0x0 pages=0x1\n");
    assertTrue(e.get(6).allows(Outcome.ok(1)), "hmm_range_fault reports the device's own pages without migrating them");
  }

  /** Seen on 6.1.192 (xfs in the guest): exclusive, dread, check-exclusive answered EPERM. */
  @Test
  void aDeviceReadLeavesTheAtomicEntryADeviceWriteFaultsIt() throws Exception {
    List<Expected> e = run(hmm(FsKind.XFS, false), "open f0 size=0x1\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "exclusive m0 offset=0x0 pages=0x1\n"
        + "dread m0 offset=0x0 pages=0x1\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n"
        + "dwrite m0 offset=0x0\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n");
    assertEquals(Status.OK, e.get(2).status());
    assertTrue(e.get(4).allows(Outcome.error(Errno.EPERM, 1)), "dmirror_do_read reads the atomic page without a fault");
    assertFalse(e.get(6).allows(Outcome.error(Errno.EPERM, 1)), "dmirror_do_write faults a page not tagged WRITE");
  }

  @Test
  void madviseDontneedDropsPrivateCopiesSoLoadsSeeTheFileAgain() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x10 length=0x1\n"
        + "store m0 offset=0x1010 length=0x1\n"
        + "madvise m0 offset=0x0 length=0x1 advice=dontneed\n"
        + "load m0 offset=0x10 length=0x1\n"
        + "load m0 offset=0x1010 length=0x1\n"
        + "madvise m0 offset=0x800 length=0x1000 advice=dontneed\n");
    assertEquals(Status.OK, e.get(4).status());
    assertEquals(Tag.byteAt(0, 0x10), e.get(5).data().value(0), "R61: the private copy of page 0 is gone");
    assertEquals(Tag.byteAt(3, 0x1010), e.get(6).data().value(0), "R60: length 1 is one page; page 1 kept its copy");
    assertEquals(Errno.EINVAL, e.get(7).errno(), "R60: start not page aligned");
  }

  @Test
  void madviseRemoveIsEaccesOnPrivateMappingsAndAHolePunchThroughSharedOnes() throws Exception {
    List<Expected> e = run(caps(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "mmap m1 file=f0 offset=0x0 length=0x2000 prot=r sharing=shared sync=false\n"
        + "store m0 offset=0x10 length=0x1\n"
        + "madvise m0 offset=0x0 length=0x2000 advice=remove\n"
        + "close f0\n"
        + "madvise m1 offset=0x1000 length=0x1000 advice=remove\n"
        + "load m1 offset=0x1000 length=0x1\n"
        + "load m0 offset=0x1000 length=0x1\n"
        + "load m1 offset=0x10 length=0x1\n"
        + "madvise m1 offset=0x0 length=0x1000 advice=remove\n"
        + "load m0 offset=0x10 length=0x1\n"
        + "load m0 offset=0x11 length=0x1\n");
    assertEquals(Errno.EACCES, e.get(4).errno(), "R63: MAP_PRIVATE is not shared-maywrite");
    assertEquals(Status.OK, e.get(6).status(), "R63: PROT_READ of an O_RDWR fd has VM_MAYWRITE; the closed fd does not matter");
    assertEquals(0, e.get(7).data().value(0), "R63: the range reads zero");
    assertEquals(0, e.get(8).data().value(0), "R63: through the private mapping too, where it made no copy");
    assertEquals(Tag.byteAt(0, 0x10), e.get(9).data().value(0), "outside the range nothing changed");
    assertEquals(Tag.byteAt(3, 0x10), e.get(11).data().value(0), "R63: zap with even_cows 0 keeps private copies");
    assertEquals(Tag.byteAt(0, 0x11), e.get(11 + 1).data().value(0), "the private copy froze page 0 at copy time");
  }

  @Test
  void madviseRemoveOfTheEofPageZeroesItsPostEofBytesForCertain() throws Exception {
    for (FsKind fs : List.of(FsKind.XFS, FsKind.TMPFS)) {
      List<Expected> e = run(caps(fs, false), "open f0 size=0x800\n"
          + "mmap m0 file=f0 offset=0x0 length=0x2000" + SHARED
          + "store m0 offset=0x900 length=0x10\n"
          + "madvise m0 offset=0x0 length=0x1000 advice=remove\n"
          + "load m0 offset=0x7ff length=0x200\n"
          + "pread f0 offset=0x0 length=0x1000\n");
      assertEquals(Status.OK, e.get(3).status());
      for (int i = 0; i < 0x200; i++) {
        assertEquals(0, e.get(4).data().value(i), fs + ": byte " + i + " is 0 and nothing else");
      }
      assertFalse(e.get(4).data().allows(0x101, Tag.byteAt(2, 0x900)), fs + ": the page left the cache whole");
      assertEquals(0x800, e.get(5).value(), "R63: KEEP_SIZE");
    }
  }

  @Test
  void madvisePopulateChecksTheVmaFirstThenFaultsUpToEofWithoutASignal() throws Exception {
    List<Expected> e = run(caps(FsKind.EXT4, false), "open f0 size=0x1800\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + PRIVATE
        + "mmap m1 file=f0 offset=0x0 length=0x3000 prot=r sharing=shared sync=false\n"
        + "madvise m1 offset=0x0 length=0x1000 advice=populate-write\n"
        + "madvise m1 offset=0x0 length=0x3000 advice=populate-read\n"
        + "madvise m0 offset=0x0 length=0x3000 advice=populate-write\n"
        + "pwrite f0 offset=0x0 length=0x1800\n"
        + "load m0 offset=0x1000 length=0x1\n"
        + "load m1 offset=0x1000 length=0x1\n"
        + "madvise m0 offset=0x2000 length=0x1000 advice=populate-read\n"
        + "mprotect m0 prot=none\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=populate-read\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=pageout\n");
    assertEquals(Errno.EINVAL, e.get(3).errno(), "R67: POPULATE_WRITE without VM_WRITE");
    assertEquals(Errno.EFAULT, e.get(4).errno(), "R67: page 2 wholly beyond EOF");
    assertEquals(Errno.EFAULT, e.get(5).errno());
    assertEquals(Tag.byteAt(0, 0x1000), e.get(7).data().value(0), "R67: pages 0 and 1 were copied on write first");
    assertEquals(Tag.byteAt(6, 0x1000), e.get(8).data().value(0));
    assertEquals(Errno.EFAULT, e.get(9).errno());
    assertEquals(Errno.EINVAL, e.get(11).errno(), "R67: POPULATE_READ without VM_READ");
    assertEquals(Status.OK, e.get(12).status(), "R66: PROT_NONE is no obstacle to PAGEOUT");
  }

  @Test
  void madviseDontneedFreesDevicePrivateCopies() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=dontneed\n"
        + "snapshot m0 offset=0x0 pages=0x1\n"
        + "dread m0 offset=0x0 pages=0x1\n");
    assertFalse(e.get(5).allows(bytes(1, (byte) 0x22)), "R61: the device-private page was freed");
    assertEquals(Tag.byteAt(0, 0), e.get(6).data().value(0), "R61: the device reads the file again");
  }

  /** R90: RELEASE gives back the device's memory; its pages come back with their bytes, the other device's stay. */
  @Test
  void releaseBringsTheDevicesPagesBackAndLeavesTheOtherDevicesAlone() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x0 length=0x2000\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "migrate m0 offset=0x1000 pages=0x1 device=0x1\n"
        + "release m0 offset=0x0 pages=0x1\n"
        + "snapshot m0 offset=0x0 pages=0x2\n"
        + "migrate-back m0 offset=0x0 pages=0x2\n"
        + "snapshot m0 offset=0x0 pages=0x2 device=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x2 device=0x1\n"
        + "dread m0 offset=0x0 pages=0x1\n"
        + "release m0 offset=0x1 pages=0x1 device=0x1\n"
        + "release m0 offset=0x0 pages=0x0\n");
    assertTrue(e.get(5).allows(Outcome.ok(0)), "R90: 0, cpages 0");
    assertFalse(e.get(5).allows(Outcome.ok(1)));
    assertFalse(e.get(6).allows(bytes(2, (byte) 0x22, (byte) 0x02)), "R90: device 0 keeps no page");
    assertTrue(e.get(6).allows(bytes(2, (byte) 0x02, (byte) 0x00)), "device 1's page reads 0x00 from device 0");
    assertTrue(e.get(7).allows(Outcome.ok(0)));
    assertFalse(e.get(7).allows(Outcome.ok(1)), "R39: device 0 has none left to give back");
    assertTrue(e.get(8).allows(bytes(2, (byte) 0x02, (byte) 0x22)), "R90: device 1's page stays on device 1");
    assertTrue(e.get(9).allows(Outcome.ok(1)), "R39 through device 1: its own page comes back");
    assertEquals(Tag.byteAt(2, 0), e.get(10).data().value(0), "R90: the content came back with the page");
    assertTrue(e.get(11).allows(Outcome.error(Errno.EINVAL, 22)), "R33 unaligned, before the command");
    assertTrue(e.get(12).allows(Outcome.error(Errno.EINVAL, 22)), "R33 npages 0");
    List<Expected> old = run(new Capabilities(KernelVersion.parse("5.15.0"), FsKind.TMPFS, 4096, 4096, false, false,
        false, false, true, true), "open f0 size=0x1000\nmmap m0 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "release m0 offset=0x0 pages=0x1\n");
    assertTrue(old.get(2).allows(Outcome.error(Errno.EINVAL, 22)), "before 6.1 RELEASE is an unknown command");
    assertFalse(old.get(2).allows(Outcome.ok(0)));
  }

  /**
   * R92: EXCLUSIVE through device 1 on a page device 0 holds exclusively write-faults it first, which
   * restores the entry and erases device 0's atomic entry: device 0's CHECK_EXCLUSIVE is 0 for certain.
   */
  @Test
  void exclusiveThroughTheOtherDeviceTakesThePageFromTheFirst() throws Exception {
    List<Expected> e = run(hmm(FsKind.XFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "exclusive m0 offset=0x0 pages=0x2\n"
        + "exclusive m0 offset=0x0 pages=0x1 device=0x1\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n"
        + "check-exclusive m0 offset=0x0 pages=0x1 device=0x1\n"
        + "check-exclusive m0 offset=0x1000 pages=0x1\n"
        + "check-exclusive m0 offset=0x1000 pages=0x1 device=0x1\n"
        + "dread m0 offset=0x1000 pages=0x1 device=0x1\n"
        + "check-exclusive m0 offset=0x1000 pages=0x1\n"
        + "dread m0 offset=0x0 pages=0x1 device=0x1\n"
        + "check-exclusive m0 offset=0x0 pages=0x1 device=0x1\n");
    assertEquals(Status.OK, e.get(3).status());
    assertFalse(e.get(4).allows(Outcome.error(Errno.EPERM, 1)), "R92: device 0's atomic entry was erased");
    assertTrue(e.get(5).allows(Outcome.error(Errno.EPERM, 1)), "device 1 holds it now");
    assertTrue(e.get(6).allows(Outcome.error(Errno.EPERM, 1)), "page 1 is still device 0's");
    assertFalse(e.get(7).allows(Outcome.error(Errno.EPERM, 1)), "device 1 never held page 1");
    assertEquals(Status.OK, e.get(8).status());
    assertFalse(e.get(9).allows(Outcome.error(Errno.EPERM, 1)), "R92: device 1's read faulted page 1 back");
    assertTrue(e.get(11).allows(Outcome.error(Errno.EPERM, 1)), "a device's own read keeps its atomic entry");
  }

  /**
   * R93: a page on device 0's memory read or written through device 1 migrates back (its owner is not
   * the caller); migrating through device 1 leaves it where it is and notifies device 0's mirror, whose
   * atomic entries over the range go.
   */
  @Test
  void theOtherDevicesAccessBringsAPageBackAndItsMigrationDropsAtomicEntries() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x3000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + PRIVATE
        + "store m0 offset=0x0 length=0x3000\n"
        + "migrate m0 offset=0x0 pages=0x2\n"
        + "dread m0 offset=0x0 pages=0x1 device=0x1\n"
        + "dwrite m0 offset=0x1000 device=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x2\n"
        + "exclusive m0 offset=0x2000 pages=0x1\n"
        + "migrate m0 offset=0x2000 pages=0x1 device=0x1\n"
        + "check-exclusive m0 offset=0x2000 pages=0x1\n"
        + "exclusive m0 offset=0x2000 pages=0x1\n"
        + "migrate-back m0 offset=0x2000 pages=0x1\n"
        + "check-exclusive m0 offset=0x2000 pages=0x1\n");
    assertEquals(Tag.byteAt(2, 0), e.get(4).data().value(0), "R93: the data comes back with the page");
    assertEquals(Status.OK, e.get(5).status());
    assertTrue(e.get(6).allows(Outcome.ok(0)));
    assertFalse(e.get(6).allows(Outcome.ok(1)), "R93: device 1's accesses brought both pages back");
    assertTrue(e.get(8).allows(Outcome.error(Errno.ENOENT, 2)), "the exclusive page does not migrate");
    assertFalse(e.get(9).allows(Outcome.error(Errno.EPERM, 1)), "R93: device 1's MMU_NOTIFY_MIGRATE erased it");
    assertTrue(e.get(12).allows(Outcome.error(Errno.EPERM, 1)), "device 0's own migration notifier is ignored by its mirror");
  }

  /**
   * R93's hazard, for the generator: an mprotect, or a migration through the other device, erases a
   * mirror's entry for a page that stays in its device's memory; a migration through that device of a
   * page not yet there maps it afresh, a CPU access brings it back.
   */
  @Test
  void theModelKnowsWhereAMirrorMayHaveLostItsEntryForAPageInItsMemory() throws Exception {
    Model m = new Model(hmm(FsKind.TMPFS, false));
    List<Op> ops = ProgramText.parse("open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x0 length=0x2000\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "migrate m0 offset=0x1000 pages=0x1 device=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x2 device=0x1\n"
        + "load m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "mprotect m0 prot=r\n", "t").ops();
    io.hmmfuzz.core.model.ModelMapping mm = null;
    boolean[] lost0 = new boolean[ops.size()];
    boolean[] lost1 = new boolean[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      ops.get(i).model(m, i);
      mm = m.liveMapping(new io.hmmfuzz.core.op.MapId(0));
      if (mm != null) {
        lost0[i] = m.mayHaveLostEntry(mm, 0, 0);
        lost1[i] = m.mayHaveLostEntry(mm, 1, 1);
      }
    }
    assertFalse(lost0[4], "device 1's migration of page 1 leaves device 0's entry for page 0");
    assertTrue(lost0[5], "device 1's migrate-back over page 0 erased device 0's entry; the page stays");
    assertFalse(lost1[5], "device 1's own migration notifier is ignored by its mirror");
    assertFalse(lost0[6], "the load brought page 0 back");
    assertFalse(lost0[7], "migrated again: a fresh entry");
    assertTrue(lost0[8], "mprotect erases the mirror's entries, the page stays in device memory");
    assertFalse(lost1[8], "page 1 came back with device 1's migrate-back");
  }

  /**
   * test_hmm's invalidation erases one page too many (dmirror_do_update's xa_for_each_range with an
   * inclusive last index): seen on 6.1.192, a migrate-back through device 1 over page 0 left device 0's
   * page 1 without its entry, and device 0's read of it Oopsed. The generator must know.
   */
  @Test
  void aNotifierOverOnePageAlsoCostsTheNextPageItsMirrorEntry() throws Exception {
    Model m = new Model(hmm(FsKind.TMPFS, false));
    List<Op> ops = ProgramText.parse("open f0 size=0x3000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + PRIVATE
        + "store m0 offset=0x1000 length=0x2000\n"
        + "migrate m0 offset=0x1000 pages=0x2\n"
        + "migrate-back m0 offset=0x0 pages=0x1 device=0x1\n"
        + "load m0 offset=0x1000 length=0x1\n", "t").ops();
    io.hmmfuzz.core.op.MapId m0 = new io.hmmfuzz.core.op.MapId(0);
    for (int i = 0; i < 4; i++) {
      ops.get(i).model(m, i);
    }
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 1, 0));
    ops.get(4).model(m, 4);
    assertTrue(m.mayHaveLostEntry(m.liveMapping(m0), 1, 0), "the page after device 1's range");
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 2, 0), "two pages after it");
    ops.get(5).model(m, 5);
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 1, 0), "the load brought page 1 back");
    assertTrue(m.mayHaveLostEntry(m.liveMapping(m0), 2, 0), "the load's fault may notify page 1, and so page 2");
  }

  /**
   * A READ over several pages faults from the first page the mirror lacks to the end of the range and
   * stores the device's own device-private pages over their entries (lib/test_hmm.c 6.1 dmirror_read,
   * dmirror_do_fault): a page in the device's memory after a range's first is a hazard even with its
   * entry intact; as the range's first page, or for the other device, it is not.
   */
  @Test
  void aMultiPageReadOverTheDevicesOwnPageAfterItsFirstIsAHazard() throws Exception {
    Model m = new Model(hmm(FsKind.XFS_DAX, true));
    List<Op> ops = ProgramText.parse("mmap m0 anon length=0x3000 prot=rw sharing=private\n"
        + "store m0 offset=0x0 length=0x3000\n"
        + "migrate m0 offset=0x1000 pages=0x1\n", "t").ops();
    for (int i = 0; i < ops.size(); i++) {
      ops.get(i).model(m, i);
    }
    io.hmmfuzz.core.model.ModelMapping m0 = m.liveMapping(new io.hmmfuzz.core.op.MapId(0));
    assertFalse(m.deviceAccessHazard(m0, 1, 0), "its entry is intact");
    assertFalse(m.deviceRangeHazard(m0, 1, 2, 0), "the range's first page: read through its entry");
    assertTrue(m.deviceRangeHazard(m0, 0, 2, 0), "page 0 may lack its entry: the fault covers page 1");
    assertTrue(m.deviceRangeHazard(m0, 0, 3, 0));
    assertFalse(m.deviceRangeHazard(m0, 0, 3, 1), "device 1 holds nothing of it");
    assertFalse(m.deviceRangeHazard(m0, 2, 1, 0));
  }

  /**
   * The generator's hazard also covers a mapping's first page wherever it may be in the device's memory:
   * the page after whatever mapping lies below, whose notifiers erase its entry (seen on 6.1.192: munmap
   * of a mapping made below a migrated anonymous page, then a device read of it Oopsed).
   */
  @Test
  void aMappingsFirstPageInDeviceMemoryIsAHazardForItsOwnDevice() throws Exception {
    Model m = new Model(hmm(FsKind.XFS_DAX, true));
    List<Op> ops = ProgramText.parse("mmap m0 anon length=0x2000 prot=rw sharing=private\n"
        + "mmap m1 anon length=0x1 prot=rw sharing=shared\n"
        + "migrate m0 offset=0x0 pages=0x2\n"
        + "munmap m1\n", "t").ops();
    for (int i = 0; i < ops.size(); i++) {
      ops.get(i).model(m, i);
    }
    io.hmmfuzz.core.model.ModelMapping m0 = m.liveMapping(new io.hmmfuzz.core.op.MapId(0));
    assertFalse(m.mayHaveLostEntry(m0, 0, 0), "no notifier of m0's own erased the entry");
    assertTrue(m.deviceAccessHazard(m0, 0, 0), "the mapping below may have: page 0 is the page after its last");
    assertFalse(m.deviceAccessHazard(m0, 1, 0), "page 1 follows m0's own page 0");
    assertFalse(m.deviceAccessHazard(m0, 0, 1), "device 1 holds nothing of it");
  }

  /**
   * A hole punch over a private mapping's migrated copy keeps the copy (even_cows 0) but its notifier
   * erases the mirror's entry, and the next page's: both are hazards for the generator.
   */
  @Test
  void aHolePunchOverAMigratedPrivateCopyCostsItsEntry() throws Exception {
    Model m = new Model(hmm(FsKind.XFS, false));
    List<Op> ops = ProgramText.parse("open f0 size=0x3000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + PRIVATE
        + "store m0 offset=0x0 length=0x3000\n"
        + "migrate m0 offset=0x1000 pages=0x2\n"
        + "punch-hole f0 offset=0x0 length=0x1000\n", "t").ops();
    io.hmmfuzz.core.op.MapId m0 = new io.hmmfuzz.core.op.MapId(0);
    for (int i = 0; i < 4; i++) {
      ops.get(i).model(m, i);
    }
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 1, 0));
    ops.get(4).model(m, 4);
    assertTrue(m.mayHaveLostEntry(m.liveMapping(m0), 1, 0), "the page after the punched one");
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 2, 0), "two pages after it");
  }

  /**
   * A dedupe that shares unmaps the destination's page cache over its range (6.1 xfs_flush_unmap_range):
   * a 6.1.192 xfs campaign Oopsed on a device read of a migrated private copy right after one.
   */
  @Test
  void aDedupeThatSharesCostsTheDestinationsMigratedCopiesTheirEntries() throws Exception {
    Model m = new Model(hmm(FsKind.XFS, false));
    List<Op> ops = ProgramText.parse("open f0 size=0x0\n"
        + "ftruncate f0 size=0x4000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x4000" + PRIVATE
        + "store m0 offset=0x0 length=0x4000\n"
        + "migrate m0 offset=0x2000 pages=0x1\n"
        + "dedupe f0 src=f0 srcOffset=0x0 dstOffset=0x2000 length=0x1000\n", "t").ops();
    io.hmmfuzz.core.op.MapId m0 = new io.hmmfuzz.core.op.MapId(0);
    for (int i = 0; i < 5; i++) {
      ops.get(i).model(m, i);
    }
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 2, 0));
    assertEquals(Status.OK, ops.get(5).model(m, 5).status(), "zeros against zeros: SAME");
    assertTrue(m.mayHaveLostEntry(m.liveMapping(m0), 2, 0), "the deduped page's migrated copy");
    assertFalse(m.mayHaveLostEntry(m.liveMapping(m0), 3, 0), "never on a device");
  }

  @Test
  void anonymousMappingsReadZeroMigrateWholeAndParseBack() throws Exception {
    String text = "mmap m0 anon length=0x2000 prot=rw sharing=private\n"
        + "mmap m1 anon length=0x1000 prot=rw sharing=shared\n"
        + "load m0 offset=0x1ff0 length=0x10\n"
        + "snapshot m0 offset=0x0 pages=0x2\n"
        + "migrate m0 offset=0x0 pages=0x2\n"
        + "migrate m1 offset=0x0 pages=0x1\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=remove\n"
        + "madvise m1 offset=0x0 length=0x1000 advice=remove\n";
    Program p = ProgramText.parse(text, "t");
    assertEquals(text, ProgramText.print(p), "R110: anon mappings print as they parse");
    assertEquals(List.of(), p.ops().get(0).files(), "an anonymous mapping names no file");
    List<Expected> e = run(hmm(FsKind.XFS_DAX, true), text);
    for (int b = 0; b < 0x10; b++) {
      assertEquals(0, e.get(2).data().value(b), "R110: never-written anonymous memory reads zero");
    }
    assertTrue(e.get(3).allows(Outcome.ok(2, new byte[] {0x00, 0x11})), "R37: the zero page after a read fault");
    assertFalse(e.get(3).allows(Outcome.ok(2, new byte[] {0x00, 0x01})), "R37: never a page of its own before a write");
    assertTrue(e.get(4).allows(Outcome.ok(2, new byte[0x2000])), "R38: every anonymous page migrates, even on DAX");
    assertFalse(e.get(4).allows(Outcome.error(Errno.EINVAL, 22)), "R38: anonymous memory is not a DAX VMA");
    assertTrue(e.get(5).allows(Outcome.error(Errno.ENOENT, 2)), "R38: shmem pages do not migrate");
    assertEquals(Errno.EINVAL, e.get(6).errno(), "R63: madvise_remove needs a vm_file");
    assertEquals(Status.OK, e.get(7).status(), "R63: a shared anonymous mapping punches its shmem object");
  }

  @Test
  void forkChildSeesTheParentsPagesAndOnlySharedStoresComeBack() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, false), "open f0 size=0x800\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "mmap m1 file=f0 offset=0x0 length=0x2000" + SHARED
        + "mmap m2 anon length=0x1000 prot=rw sharing=shared\n"
        + "store m0 offset=0x0 length=0x1\n"
        + "fork m0 offset=0x0 length=0x1000 store=false\n"
        + "fork m0 offset=0x0 length=0x1 store=true\n"
        + "load m0 offset=0x0 length=0x1\n"
        + "fork m1 offset=0x10 length=0x1 store=true\n"
        + "pread f0 offset=0x10 length=0x1\n"
        + "fork m2 offset=0x20 length=0x1 store=true\n"
        + "load m2 offset=0x20 length=0x1\n"
        + "fork m1 offset=0x0 length=0x1001 store=true\n");
    assertEquals(Status.OK, e.get(5).status(), "R111: the child loads the EOF page");
    assertEquals(Tag.byteAt(4, 0x0), e.get(5).data().value(0), "R111: the parent's private copy");
    assertEquals(Tag.byteAt(0, 0x10), e.get(5).data().value(0x10), "R111: the file's bytes the copy took");
    assertEquals(Tag.byteAt(4, 0x0), e.get(7).data().value(0), "R112: the child's store stayed in the child");
    assertEquals(Tag.byteAt(8, 0x10), e.get(9).data().value(0), "R112: a shared mapping's store is the file's");
    assertEquals(Tag.byteAt(10, 0x20), e.get(11).data().value(0), "R112: shared anonymous memory is shared with the child");
    assertEquals(Status.SIGNAL, e.get(12).status(), "R111: SIGBUS in the child as in the parent");
    assertEquals(0x1000, e.get(12).value(), "R111: at the page wholly beyond EOF");
  }

  @Test
  void forkWriteProtectsTheParentsAnonymousPagesAndErasesItsAtomicEntries() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "mmap m0 anon length=0x2000 prot=rw sharing=private\n"
        + "store m0 offset=0x0 length=0x1\n"
        + "exclusive m0 offset=0x1000 pages=0x1\n"
        + "fork m0 offset=0x0 length=0x1 store=true\n"
        + "check-exclusive m0 offset=0x1000 pages=0x1\n"
        + "snapshot m0 offset=0x0 pages=0x2\n"
        + "store m0 offset=0x0 length=0x1\n"
        + "snapshot m0 offset=0x0 pages=0x1\n"
        + "check-exclusive m0 offset=0x1000 pages=0x1\n");
    assertTrue(e.get(2).allows(Outcome.ok(1, new byte[0x1000])), "exclusive of an anonymous page succeeds");
    assertTrue(e.get(4).allows(Outcome.ok(0)), "R113: fork's notifier erased the atomic entry");
    assertFalse(e.get(4).allows(Outcome.error(Errno.EPERM, 1)), "R113/R114: no atomic entry survives fork");
    assertTrue(e.get(5).allows(Outcome.ok(2, new byte[] {0x01, 0x01})), "R113: write-protected in the parent");
    assertFalse(e.get(5).allows(Outcome.ok(2, new byte[] {0x02, 0x01})), "R113: not writable until a write fault");
    assertFalse(e.get(5).allows(Outcome.ok(2, new byte[] {0x01, 0x02})), "R114: the restored page is protected too");
    assertTrue(e.get(7).allows(Outcome.ok(1, new byte[] {0x02})), "R113: the parent's write fault makes it writable");
    assertTrue(e.get(8).allows(Outcome.ok(0)));
  }

  static Capabilities on(String kernel, FsKind fs, int block, boolean dax) {
    return new Capabilities(KernelVersion.parse(kernel), fs, 4096, block, fs == FsKind.BTRFS, dax, dax,
        fs != FsKind.TMPFS, true, false);
  }

  @Test
  void mlockCopiesAWritablePrivateMappingsPagesSoAPwriteNoLongerShowsThroughIt() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x1800\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "mmap m1 file=f0 offset=0x0 length=0x2000" + SHARED
        + "mlock m0 offset=0x0 length=0x2000\n"
        + "mlock m1 offset=0x1 length=0x1\n"
        + "pwrite f0 offset=0x0 length=0x1800\n"
        + "load m0 offset=0x1000 length=0x1\n"
        + "load m1 offset=0x1000 length=0x1\n");
    assertEquals(Status.OK, e.get(3).status());
    assertEquals(Status.OK, e.get(4).status(), "R79: the start is rounded down, not refused");
    assertEquals(Tag.byteAt(0, 0x1000), e.get(6).data().value(0), "R79: mlock copied page 1 on write");
    assertEquals(Tag.byteAt(5, 0x1000), e.get(7).data().value(0), "R79: a shared mapping is only read-faulted");
  }

  @Test
  void lockedVmasRefuseDontneedRemoveColdPageoutAndInvalidateUntilMunlock() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + SHARED
        + "mlock m0 offset=0x1000 length=0x1000\n"
        + "madvise m0 offset=0x0 length=0x3000 advice=dontneed\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=cold\n"
        + "madvise m0 offset=0x1000 length=0x1000 advice=remove\n"
        + "madvise m0 offset=0x1000 length=0x1000 advice=pageout\n"
        + "madvise m0 offset=0x1000 length=0x1000 advice=willneed\n"
        + "msync m0 mode=invalidate\n"
        + "msync m0 mode=sync\n"
        + "munlock m0 offset=0x0 length=0x3000\n"
        + "msync m0 mode=invalidate\n"
        + "madvise m0 offset=0x0 length=0x3000 advice=dontneed\n");
    assertEquals(Errno.ENOMEM, e.get(2).errno(), "R79: page 1 is wholly beyond EOF: EFAULT is ENOMEM, no signal");
    assertEquals(Errno.EINVAL, e.get(3).errno(), "R61: VM_LOCKED");
    assertEquals(Status.OK, e.get(4).status(), "page 0 is not locked");
    assertEquals(Errno.EINVAL, e.get(5).errno(), "R63: VM_LOCKED");
    assertEquals(Errno.EINVAL, e.get(6).errno(), "R66: VM_LOCKED");
    assertEquals(Status.OK, e.get(7).status(), "R64: WILLNEED does not care");
    assertEquals(Errno.EBUSY, e.get(8).errno(), "R78: MS_INVALIDATE on a VM_LOCKED VMA");
    assertEquals(Status.OK, e.get(9).status(), "R4: MS_SYNC alone does not care");
    assertEquals(Status.OK, e.get(11).status(), "R80: unlocked");
    assertEquals(Status.OK, e.get(12).status());
  }

  @Test
  void dontneedOverALockedPageDropsTheCopiesBeforeItThenFails() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x10 length=0x1\n"
        + "mlock m0 offset=0x1000 length=0x1000\n"
        + "madvise m0 offset=0x0 length=0x2000 advice=dontneed\n"
        + "load m0 offset=0x10 length=0x1\n");
    assertEquals(Errno.EINVAL, e.get(4).errno());
    assertEquals(Tag.byteAt(0, 0x10), e.get(5).data().value(0), "R60: the VMA before the locked one was zapped");
  }

  @Test
  void mprotectMakingALockedPrivateMappingWritableCopiesItsPages() throws Exception {
    List<Expected> e = run(caps(FsKind.EXT4, false), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000 prot=r sharing=private sync=false\n"
        + "mlock m0 offset=0x0 length=0x2000\n"
        + "mprotect m0 prot=rw\n"
        + "pwrite f0 offset=0x0 length=0x10\n"
        + "load m0 offset=0x0 length=0x1\n");
    assertEquals(Errno.ENOMEM, e.get(2).errno(), "R79: page 1 beyond EOF; read faults only (not writable)");
    assertEquals(Tag.byteAt(0, 0), e.get(5).data().value(0), "R79: mprotect_fixup populated with write faults");
    List<Expected> unlocked = run(caps(FsKind.EXT4, false), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000 prot=r sharing=private sync=false\n"
        + "mprotect m0 prot=rw\n"
        + "pwrite f0 offset=0x0 length=0x10\n"
        + "load m0 offset=0x0 length=0x1\n");
    assertEquals(Tag.byteAt(3, 0), unlocked.get(4).data().value(0), "no VM_LOCKED: nothing copied");
  }

  @Test
  void directIoOpensOnTmpfsFrom66AndIsBufferedThere() throws Exception {
    String prog = "open f0 size=0x1000\npwrite f0 offset=0x1 length=0x3 direct=true\n"
        + "pread f0 offset=0x0 length=0x7 direct=true\n";
    List<Expected> old = run(on("6.1.192", FsKind.TMPFS, 4096, false), prog);
    assertEquals(Errno.EINVAL, old.get(1).errno(), "R100: shmem has no ->direct_IO on 6.1");
    assertEquals(Errno.EINVAL, old.get(2).errno());
    List<Expected> now = run(on("6.12.117", FsKind.TMPFS, 4096, false), prog);
    assertEquals(3, now.get(1).value(), "R103: unaligned is fine, it is buffered");
    assertEquals(Tag.byteAt(1, 1), now.get(2).data().value(1));
  }

  @Test
  void directIoOffTheSectorIsEinvalOnXfsAndExt4BufferedOnBtrfsAndDax() throws Exception {
    String prog = "open f0 size=0x2000\npwrite f0 offset=0x200 length=0x201 direct=true\n"
        + "pread f0 offset=0x1 length=0x200 direct=true\n"
        + "pread f0 offset=0x2000 length=0x3 direct=true\n"
        + "pwrite f0 offset=0x200 length=0x0 direct=true\n"
        + "pwrite f0 offset=-0x1 length=0x200 direct=true\n";
    for (FsKind fs : List.of(FsKind.XFS, FsKind.EXT4)) {
      List<Expected> e = run(on("6.1.192", fs, 4096, false), prog);
      assertEquals(Errno.EINVAL, e.get(1).errno(), "R104 " + fs);
      assertTrue(e.get(2).allows(Outcome.error(Errno.EINVAL, 22)), "R106: a mapped extent");
      byte[] bytes = new byte[0x200];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = e.get(2).orElse().data().value(i);
      }
      Outcome data = Outcome.ok(0x200, bytes);
      assertTrue(e.get(2).allows(data), "R106: holes and unwritten extents");
      assertFalse(e.get(2).allows(Outcome.ok(0x1ff, java.util.Arrays.copyOf(data.data(), 0x1ff))));
      assertEquals(0, e.get(3).value(), "R106: at EOF 0, before the alignment");
      assertEquals(Status.OK, e.get(4).status(), "R101: 0 bytes");
      assertEquals(Errno.EINVAL, e.get(5).errno());
    }
    for (Capabilities c : List.of(on("6.1.192", FsKind.BTRFS, 4096, false), on("6.1.192", FsKind.XFS_DAX, 4096, true))) {
      List<Expected> e = run(c, prog);
      assertEquals(0x201, e.get(1).value(), "R107/R102: buffered");
      assertEquals(Status.OK, e.get(2).status());
      assertTrue(e.get(2).orElse() == null, "no EINVAL alternative");
    }
  }

  @Test
  void anAlignedDirectWriteOrReadWritesTheEofPageBackFirst() throws Exception {
    String prog = "open f0 size=0x800\nmmap m0 file=f0 offset=0x0 length=0x1000" + SHARED
        + "store m0 offset=0x900 length=0x10\n"
        + "OP\n"
        + "load m0 offset=0x900 length=0x1\n";
    for (String op : List.of("pwrite f0 offset=0x0 length=0x200 direct=true", "pread f0 offset=0x200 length=0x200 direct=true")) {
      Expected xfs = run(caps(FsKind.XFS, true), prog.replace("OP", op)).get(4);
      assertFalse(xfs.data().allows(0, Tag.byteAt(2, 0x900)), "R105/R106 then R13: " + op);
      Expected btrfsUnaligned = run(caps(FsKind.BTRFS, true), prog.replace("OP", op)).get(4);
      assertTrue(btrfsUnaligned.data().allows(0, Tag.byteAt(2, 0x900)), "R107: buffered, nothing written back");
      Expected buffered = run(caps(FsKind.XFS, true), prog.replace("OP", op.replace(" direct=true", ""))).get(4);
      assertTrue(buffered.data().allows(0, Tag.byteAt(2, 0x900)), "U1 without direct I/O");
    }
  }

  @Test
  void directIsLeftOutOfReproducersWhereFalse() throws Exception {
    Program p = ProgramText.parse("open f0 size=0x0\npwrite f0 offset=0x0 length=0x1\n"
        + "pread f0 offset=0x0 length=0x200 direct=true\npwrite f0 offset=0x0 length=0x1 direct=false\n", "t");
    assertEquals("open f0 size=0x0\npwrite f0 offset=0x0 length=0x1\npread f0 offset=0x0 length=0x200 direct=true\n"
        + "pwrite f0 offset=0x0 length=0x1\n", ProgramText.print(p));
  }

  @Test
  void xfsBouncesADirectWriteOffTheBlockOfAReflinkedFileToTheBufferedPath() throws Exception {
    String prog = "open f0 size=0x1\nmmap m0 file=f0 offset=0x1000 length=0x1001" + SHARED
        + "CLONE"
        + "ftruncate f0 size=0x2001\nstore m0 offset=0x11fa length=0x7\n"
        + "pwrite f0 offset=0x2000 length=0x200 direct=true\nload m0 offset=0x1200 length=0x1\n";
    Expected bounced = run(caps(FsKind.XFS, true), prog.replace("CLONE",
        "reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x0\n")).get(6);
    assertTrue(bounced.data().allows(0, Tag.byteAt(4, 0x2200)), "R105a: buffered, nothing written back");
    Expected direct = run(caps(FsKind.XFS, true), prog.replace("CLONE", "")).get(5);
    assertFalse(direct.data().allows(0, Tag.byteAt(3, 0x2200)), "R105: written back first");
  }

  @Test
  void aDaxVmaIsNeverLockedButStillPopulated() throws Exception {
    List<Expected> e = run(on("6.1.192", FsKind.XFS_DAX, 4096, true), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "mlock m0 offset=0x0 length=0x2000\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=dontneed\n"
        + "msync m0 mode=invalidate\n"
        + "mlock m0 offset=0x0 length=0x1000\n"
        + "pwrite f0 offset=0x0 length=0x10\n"
        + "load m0 offset=0x0 length=0x1\n");
    assertEquals(Errno.ENOMEM, e.get(2).errno(), "R79: populated up to EOF all the same");
    assertEquals(Status.OK, e.get(3).status(), "R79a: not VM_LOCKED");
    assertEquals(Status.OK, e.get(4).status(), "R79a: not VM_LOCKED");
    assertEquals(Tag.byteAt(0, 0), e.get(7).data().value(0), "R79: page 0 copied on write by the populate");
  }

  static Capabilities on(String kernel, FsKind fs) {
    return new Capabilities(KernelVersion.parse(kernel), fs, 4096, 4096, false, false, false, fs != FsKind.TMPFS, true,
        false);
  }

  @Test
  void mremapMovesPrivateCopiesWithTheMappingAndDontunmapLeavesTheFileBehind() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "store m0 offset=0x10 length=0x1\n"
        + "mremap m0 newLength=0x3000 mode=move second=m0\n"
        + "load m0 offset=0x10 length=0x1\n"
        + "load m0 offset=0x2000 length=0x1\n"
        + "mremap m0 newLength=0x3000 mode=dontunmap second=m1\n"
        + "pwrite f0 offset=0x0 length=0x20\n"
        + "load m0 offset=0x10 length=0x1\n"
        + "load m1 offset=0x10 length=0x1\n"
        + "load m0 offset=0x1000 length=0x1\n");
    assertEquals(Status.OK, e.get(3).status());
    assertEquals(Tag.byteAt(2, 0x10), e.get(4).data().value(0), "R84: the private copy moved with its PTE");
    assertEquals(Signal.SIGBUS, e.get(5).signal(), "R83: the extension maps the next file offset, past EOF");
    assertEquals(Status.OK, e.get(6).status());
    assertEquals(Tag.byteAt(2, 0x10), e.get(8).data().value(0), "R85: the copy lives on at the new address only");
    assertEquals(Tag.byteAt(7, 0x10), e.get(9).data().value(0), "R85: the old range faults the file's bytes again");
    assertEquals(Tag.byteAt(0, 0x1000), e.get(10).data().value(0), "page 1 was never copied");
  }

  @Test
  void mremapShrinkFreesTheTailsCopiesAndGrowthMapsTheFileAgain() throws Exception {
    List<Expected> e = run(caps(FsKind.TMPFS, false), "open f0 size=0x3000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x3000" + PRIVATE
        + "store m0 offset=0x1000 length=0x2000\n"
        + "mremap m0 newLength=0x1001 mode=shrink second=m0\n"
        + "mremap m0 newLength=0x800 mode=grow second=m0\n"
        + "mremap m0 newLength=0x3000 mode=grow second=m0\n"
        + "load m0 offset=0x1000 length=0x2000\n"
        + "mremap m0 newLength=0x1000 mode=move second=m0\n"
        + "mremap m0 newLength=0x2000 mode=move second=m0\n"
        + "load m0 offset=0x1000 length=0x1\n");
    assertEquals(Status.OK, e.get(3).status(), "R83: 0x1001 rounds up to two pages");
    assertEquals(Status.OK, e.get(4).status(), "R83: fewer bytes, fewer pages: the shrink path, in place");
    assertEquals(Tag.byteAt(0, 0x1000), e.get(6).data().value(0), "R83: page 1's copy went with the shrink");
    assertEquals(Tag.byteAt(0, 0x2000), e.get(6).data().value(0x1000), "page 2 was unmapped before");
    assertEquals(Tag.byteAt(0, 0x1000), e.get(9).data().value(0), "R82 step 8.6: a move to fewer pages unmaps the tail");
  }

  @Test
  void mremapErrorsAndTheDontunmapLengthCheckOfEachKernel() throws Exception {
    String prog = "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1001" + SHARED
        + "mmap m1 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "mremap m0 newLength=0x0 mode=grow second=m0\n"
        + "mremap m1 newLength=0x1000 mode=duplicate second=m2\n"
        + "mremap m0 newLength=0x2000 mode=dontunmap second=m3\n"
        + "mremap m0 newLength=0x3000 mode=dontunmap second=m4\n"
        + "load m3 offset=0x0 length=0x1\n"
        + "mremap m0 newLength=0x1000 mode=duplicate second=m5\n"
        + "load m5 offset=0x0 length=0x1\n"
        + "mremap m2 newLength=0x1000 mode=move second=m2\n"
        + "mremap m0 newLength=0x0 mode=move second=m0\n";
    for (String kernel : List.of("6.1.192", "6.12.117", "6.18.44")) {
      List<Expected> e = run(on(kernel, FsKind.TMPFS), prog);
      boolean aligned = kernel.startsWith("6.18");
      assertEquals(Errno.EINVAL, e.get(3).errno(), kernel + ": R82 step 5, new_len 0");
      assertEquals(Errno.EINVAL, e.get(4).errno(), kernel + ": R86, old_len 0 on a private mapping");
      assertEquals(aligned ? Status.OK : Status.ERROR, e.get(5).status(),
          kernel + ": R82 step 3, DONTUNMAP 0x1001 to 0x2000 (the same pages)");
      assertEquals(Errno.EINVAL, e.get(6).errno(), kernel + ": R82 step 3, DONTUNMAP to more pages");
      assertEquals(aligned ? Status.OK : Status.NOT_LIVE, e.get(7).status(), kernel + ": m3 is the old range");
      assertEquals(Status.OK, e.get(8).status(), kernel + ": R86 on a shared mapping");
      assertEquals(Tag.byteAt(0, 0), e.get(9).data().value(0), kernel + ": R86, the same file offset");
      assertEquals(Status.NOT_LIVE, e.get(10).status(), kernel + ": the duplicate of m1 was never made");
      assertEquals(Errno.EINVAL, e.get(11).errno(), kernel + ": R82 step 5 before the move");
    }
  }

  @Test
  void aDuplicateSharesThePageCacheWithItsMapping() throws Exception {
    List<Expected> e = run(caps(FsKind.XFS, true), "open f0 size=0x1000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000" + SHARED
        + "mremap m0 newLength=0x2000 mode=duplicate second=m1\n"
        + "store m1 offset=0x8 length=0x1\n"
        + "load m0 offset=0x8 length=0x1\n"
        + "load m1 offset=0x1000 length=0x1\n"
        + "munmap m0\n"
        + "load m1 offset=0x8 length=0x1\n");
    assertEquals(Tag.byteAt(3, 0x8), e.get(4).data().value(0), "R86: one file page under both");
    assertEquals(Signal.SIGBUS, e.get(5).signal(), "R86: new_len past EOF");
    assertEquals(Tag.byteAt(3, 0x8), e.get(7).data().value(0), "the duplicate lives on without its original");
  }

  @Test
  void aMoveErasesTheMirrorsAtomicEntriesAndLeavesDevicePagesOnTheDevice() throws Exception {
    List<Expected> e = run(hmm(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "exclusive m0 offset=0x0 pages=0x1\n"
        + "mremap m0 newLength=0x3000 mode=grow second=m0\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n"
        + "mremap m0 newLength=0x3000 mode=move second=m0\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n"
        + "store m0 offset=0x1000 length=0x1\n"
        + "migrate m0 offset=0x1000 pages=0x1\n"
        + "mremap m0 newLength=0x3000 mode=dontunmap second=m1\n"
        + "snapshot m0 offset=0x1000 pages=0x1\n"
        + "snapshot m1 offset=0x1000 pages=0x1\n"
        + "exclusive m0 offset=0x0 pages=0x1\n"
        + "mremap m0 newLength=0x1000 mode=shrink second=m0\n"
        + "check-exclusive m0 offset=0x0 pages=0x1\n");
    assertTrue(e.get(4).allows(Outcome.error(Errno.EPERM, 1)), "grown in place, the atomic entry may be kept");
    assertTrue(e.get(4).allows(Outcome.ok(0)), "or moved, and erased");
    assertFalse(e.get(6).allows(Outcome.error(Errno.EPERM, 1)), "R84: MMU_NOTIFY_UNMAP erased it, none at the new address");
    assertTrue(e.get(10).allows(bytes(1, (byte) 0x22)), "R84: the device-private entry moved as it was");
    assertFalse(e.get(11).allows(bytes(1, (byte) 0x22)), "R85: the old range has no PTE left");
    assertTrue(e.get(14).allows(Outcome.error(Errno.EPERM, 1)), "a shrink keeps what it does not unmap");
  }

  @Test
  void aProgramFollowsItsMappingsThroughMremap() throws Exception {
    String head = "open f0 size=0x4000\n"
        + "mmap m0 file=f0 offset=0x1000 length=0x1000" + SHARED
        + "mremap m0 newLength=0x3000 mode=grow second=m0\n";
    Program p = ProgramText.parse(head + "load m0 offset=0x2000 length=0x1000\n"
        + "mremap m0 newLength=0x3000 mode=dontunmap second=m1\n"
        + "load m1 offset=0x2fff length=0x1\n", "t");
    MapId m0 = new MapId(0);
    MapId m1 = new MapId(1);
    assertEquals(0x1000, p.mmapOf(m1).offset(), "m1 keeps m0's file offset");
    assertEquals(0x3000, p.before(5).mmapOf(m1).length());
    assertEquals(0x1000, p.before(2).mmapOf(m0).length());
    assertEquals(0x3000, p.before(3).mmapOf(m0).length());
    List<Op> base = ProgramText.parse(head, "t").ops();
    List<List<Op>> bad = List.of(
        List.of(new Mremap(m0, 0x1000, Remap.SHRINK, m0), new Load(m0, 0x1000, 1)),
        List.of(new Mremap(m0, 0x4000, Remap.SHRINK, m0)),
        List.of(new Mremap(m0, 0x3000, Remap.DONTUNMAP, m0)),
        List.of(new Mremap(m0, 0x1000, Remap.MOVE, m1)),
        List.of(new Mremap(m0, 0x1000, Remap.DUPLICATE, m1), new Mremap(m0, 0x1000, Remap.DUPLICATE, m1)));
    for (List<Op> tail : bad) {
      List<Op> ops = new ArrayList<>(base);
      ops.addAll(tail);
      assertFalse(new Program(ops).valid(), tail.toString());
    }
    List<Op> ok = new ArrayList<>(base);
    ok.add(new Mremap(m0, 0x1000, Remap.SHRINK, m0));
    ok.add(new Load(m0, 0xfff, 1));
    assertTrue(new Program(ok).valid(), new Program(ok).problems().toString());
  }

  @Test
  void mremapOfMlockedMappingsPopulatesTheirGrowthAndCopiesTheLock() throws Exception {
    List<Expected> e = run(caps(FsKind.TMPFS, false), "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x1000" + PRIVATE
        + "mlock m0 offset=0x0 length=0x1000\n"
        + "mremap m0 newLength=0x3000 mode=grow second=m0\n"
        + "pwrite f0 offset=0x0 length=0x2000\n"
        + "load m0 offset=0x0 length=0x2000\n"
        + "load m0 offset=0x2000 length=0x1\n"
        + "madvise m0 offset=0x1000 length=0x1000 advice=dontneed\n"
        + "mremap m0 newLength=0x3000 mode=dontunmap second=m1\n"
        + "madvise m1 offset=0x0 length=0x1000 advice=dontneed\n"
        + "madvise m0 offset=0x0 length=0x1000 advice=dontneed\n"
        + "mmap m2 file=f0 offset=0x0 length=0x2000" + SHARED
        + "mlock m2 offset=0x0 length=0x1000\n"
        + "mremap m2 newLength=0x1000 mode=shrink second=m2\n"
        + "mremap m2 newLength=0x2000 mode=duplicate second=m3\n"
        + "madvise m3 offset=0x1000 length=0x1000 advice=dontneed\n");
    assertEquals(Status.OK, e.get(3).status());
    assertEquals(Tag.byteAt(0, 0x1000), e.get(5).data().value(0x1000), "R83: the locked growth was copied on write");
    assertEquals(Signal.SIGBUS, e.get(6).signal(), "the populate stopped at EOF, its error ignored");
    assertEquals(Errno.EINVAL, e.get(7).errno(), "R61: the extension is VM_LOCKED");
    assertEquals(Status.OK, e.get(9).status(), "R85: the old range is not VM_LOCKED");
    assertEquals(Errno.EINVAL, e.get(10).errno(), "R85: the moved VMA keeps VM_LOCKED");
    assertEquals(Status.OK, e.get(13).status(), "R83: a shrink does not look at VMAs");
    assertEquals(Errno.EINVAL, e.get(15).errno(), "R86: the copy of a locked first VMA is VM_LOCKED all through");
  }

  /**
   * An mlock or munlock of part of a mapping may split its VMA for good (vma_merge does not join VMAs
   * whose anon_vmas differ: 6.18 ext4-1k answered EFAULT to a growth after mlock, store, munlock of page
   * 0 of two), so a program that moves such a mapping is invalid; shrinking and duplicating it are not.
   */
  @Test
  void mremapDoesNotMoveAMappingThatAPartialMlockMayHaveSplit() throws Exception {
    String head = "open f0 size=0x2000\n"
        + "mmap m0 file=f0 offset=0x0 length=0x2000" + PRIVATE
        + "mlock m0 offset=0x0 length=0x2000\n"
        + "munlock m0 offset=0x0 length=0x2000\n"
        + "mremap m0 newLength=0x3000 mode=grow second=m0\n";
    assertTrue(ProgramText.parse(head, "t").valid(), "whole-mapping locks leave one VMA");
    List<Op> ops = new ArrayList<>(ProgramText.parse(head, "t").ops());
    ops.add(3, new io.hmmfuzz.core.op.Munlock(new MapId(0), 0x1000, 0x1));
    for (Remap moving : List.of(Remap.GROW, Remap.MOVE, Remap.DONTUNMAP)) {
      ops.set(5, new Mremap(new MapId(0), 0x2000, moving, moving == Remap.DONTUNMAP ? new MapId(1) : new MapId(0)));
      assertFalse(new Program(ops).valid(), moving + " after a munlock of page 1 only");
    }
    ops.set(5, new Mremap(new MapId(0), 0x1000, Remap.SHRINK, new MapId(0)));
    assertTrue(new Program(ops).valid(), new Program(ops).problems().toString());
    Model model = new Model(caps(FsKind.TMPFS, false));
    for (int i = 0; i < 5; i++) {
      ops.get(i).model(model, i);
    }
    assertTrue(model.maybeSplit(model.mapping(new MapId(0))), "the model knows it as the generator does");
  }

  @Test
  void anonymousMemoryOnADaxMountIsLocked() throws Exception {
    // CI campaign on 6.1 xfs-dax: the model had left a shared anonymous mapping unlocked because the
    // mount was DAX; shmem and anonymous pages are not DAX pages (vma_is_dax is false).
    for (String sharing : List.of("shared", "private")) {
      List<Expected> e = run(on("6.1.192", FsKind.XFS_DAX, 4096, true),
          "mmap m0 anon length=0x2000 prot=rw sharing=" + sharing + "\n"
          + "mlock m0 offset=0x0 length=0x1000\n"
          + "madvise m0 offset=0x0 length=0x1000 advice=dontneed\n"
          + "madvise m0 offset=0x1000 length=0x1000 advice=dontneed\n"
          + "msync m0 mode=sync-invalidate\n");
      assertEquals(Errno.EINVAL, e.get(2).errno(), sharing + ": R79/R61, the locked page");
      assertEquals(Status.OK, e.get(3).status(), sharing + ": R61, the unlocked page");
      assertEquals(Errno.EBUSY, e.get(4).errno(), sharing + ": R78, a VM_LOCKED VMA");
    }
  }
}
