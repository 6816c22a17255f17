package io.hmmfuzz.core;

/**
 * What the filesystem under test offers, probed from the target (never guessed): the model is
 * parametrised by it.
 *
 * @param kernel     running kernel release (uname -r)
 * @param fs         filesystem kind of the scratch directory
 * @param pageSize   the CPU page size
 * @param blockSize  the filesystem block size (statvfs f_bsize), the alignment unit of reflink (R21)
 * @param reflink    FICLONE/FICLONERANGE work (R19)
 * @param mapSync    mmap(MAP_SHARED_VALIDATE|MAP_SYNC) is accepted (R27: only on DAX)
 * @param dax        files are DAX (no page cache, R29)
 * @param zeroRange  fallocate(FALLOC_FL_ZERO_RANGE) is supported (tmpfs: no)
 * @param root       the tool runs as root
 * @param testHmm    /dev/hmm_dmirror0 and /dev/hmm_dmirror1 exist (the test_hmm mirrors, R91)
 * @param madvise    the kernel has madvise(2) (CONFIG_ADVISE_SYSCALLS, from its config; tinyconfig lacks it)
 * @param coherentDevices test_hmm also has /dev/hmm_dmirror2 and /dev/hmm_dmirror3, whose memory is
 *                   DEVICE_COHERENT (R121): known from the spm_addr_dev0/1 module parameters the tool's
 *                   guest boots with (lib/test_hmm.c hmm_dmirror_init makes them exactly when both are
 *                   set), not from what the devices do
 */
public record Capabilities(KernelVersion kernel, FsKind fs, int pageSize, int blockSize, boolean reflink,
    boolean mapSync, boolean dax, boolean zeroRange, boolean root, boolean testHmm, boolean madvise,
    boolean coherentDevices) {

  /** Capabilities without test_hmm's coherent devices. */
  public Capabilities(KernelVersion kernel, FsKind fs, int pageSize, int blockSize, boolean reflink, boolean mapSync,
      boolean dax, boolean zeroRange, boolean root, boolean testHmm, boolean madvise) {
    this(kernel, fs, pageSize, blockSize, reflink, mapSync, dax, zeroRange, root, testHmm, madvise, false);
  }

  /** Capabilities of a kernel with madvise(2), as every distribution kernel has. */
  public Capabilities(KernelVersion kernel, FsKind fs, int pageSize, int blockSize, boolean reflink, boolean mapSync,
      boolean dax, boolean zeroRange, boolean root, boolean testHmm) {
    this(kernel, fs, pageSize, blockSize, reflink, mapSync, dax, zeroRange, root, testHmm, true);
  }

  /**
   * R13/U1: writeback of the EOF folio zeroes the bytes beyond EOF in the page cache
   * (iomap_writepage_handle_eof, ext4_bio_write_folio, extent_writepage). Not on tmpfs (no writeback)
   * and not on DAX (no page cache, R29).
   */
  public boolean writebackZeroesPostEof() {
    return fs.diskBacked() && !dax;
  }

  /**
   * R14: an extension of the file exposes zeros in the old EOF page (fstests generic/363). tmpfs
   * deviates (U2, mmap(2) BUGS; shmem_setattr does not call truncate_pagecache on growth): post-EOF
   * stores become file data there. Disk filesystems are held to the strict rule on every version; an
   * older kernel that leaks (ext4 before 6.13, xfs before 6.12, btrfs before 6.14) is reported, since
   * that is a real, since-fixed kernel bug.
   */
  public boolean extensionZeroesPostEof() {
    return fs.diskBacked();
  }

  /**
   * Whether this kernel predates the fix of R14's leak on this filesystem (docs/semantics.md R14,
   * "Version requirements": xfs 6.12, c5c810b94cfd; ext4 6.13, c7fc0366c656 and 52aecaee1c26; btrfs
   * 6.14, da2dccd7451d): an extension may keep post-EOF bytes as data there, a real since-fixed bug the
   * model still reports. Known from the release, not from the kernel's behaviour.
   */
  public boolean extensionLeakUnfixed() {
    return switch (fs.type()) {
      case "xfs" -> !kernel.atLeast(6, 12);
      case "ext4" -> !kernel.atLeast(6, 13);
      case "btrfs" -> !kernel.atLeast(6, 14);
      default -> false;
    };
  }

  /**
   * R104/R106: the alignment of offsets and lengths that direct I/O through iomap needs on xfs and ext4:
   * the logical block size of the loop device the tool mounts its images on (loop_configure: 512 without
   * a block size, and the tool gives none) and, for xfs writes, the filesystem's sector size
   * (bt_logical_sectormask; mkfs.xfs on an image file: sectsz=512, as xfs_info reports on the host and in
   * the guest). Direct I/O on DAX files never gets there (R102).
   */
  public int dioSectorSize() {
    return 512;
  }

  /**
   * R100: whether open(O_DIRECT) works: everywhere but tmpfs before 6.6, whose shmem_aops have no
   * ->direct_IO (fs/open.c do_dentry_open: EINVAL without FMODE_CAN_ODIRECT); from 6.6 shmem_file_open
   * sets FMODE_CAN_ODIRECT (e88e0d366f9c, in 6.12's mm/shmem.c).
   */
  public boolean directIo() {
    return fs != FsKind.TMPFS || kernel.atLeast(6, 6);
  }

  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(reflink ? "reflink" : "noreflink").append(',').append(mapSync ? "mapsync" : "nomapsync")
        .append(',').append(dax ? "dax" : "nodax").append(',').append(zeroRange ? "zerorange" : "nozerorange")
        .append(',').append(testHmm ? "hmm" : "nohmm");
    if (!madvise) {
      sb.append(",nomadvise"); // only where missing: older headers, without the word, had madvise
    }
    if (coherentDevices) {
      sb.append(",coherent"); // only where present: older headers, without the word, had none
    }
    return sb.toString();
  }

  /** The test_hmm mirrors programs may use: 0 and 1 (DEVICE_PRIVATE), and 2 and 3 (DEVICE_COHERENT) where there. */
  public int devices() {
    return !testHmm ? 0 : coherentDevices ? 4 : 2;
  }

  /** These capabilities without the coherent devices: what matters to a program that uses none. */
  public Capabilities withoutCoherentDevices() {
    return new Capabilities(kernel, fs, pageSize, blockSize, reflink, mapSync, dax, zeroRange, root, testHmm, madvise,
        false);
  }
}
