package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.exec.SysResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A real kernel with one known bug planted on top, to prove the fuzzer finds and shrinks such bugs
 * ({@code hmmfuzz selftest}). The misbehaviour is made real where it can be: the truncate bug puts the
 * stale bytes back into the page cache through a mapping, so every later view sees them.
 */
public final class PlantedBugKernel implements Kernel {
  /** The planted bugs, each with the length of its minimal reproducer. */
  public enum Bug {
    /** ftruncate to an unaligned smaller size forgets to zero the tail of the new EOF page (R17). */
    TRUNCATE_KEEPS_TAIL("""
        open f0 size=0x2
        ftruncate f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        """, "ftruncate mmap load", 2),
    /** FICLONE/FICLONERANGE leaves pages of the destination's mappings showing the old bytes (R23). */
    REFLINK_LEAVES_MAPPING_STALE("""
        open f0 size=0x1001
        mmap m0 file=f0 offset=0x1000 length=0x1 prot=rw sharing=shared sync=false
        reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1000
        """, "reflink clone *", 0),
    /**
     * FICLONE/FICLONERANGE leaves the destination's cached pages stale (R23): the old bytes of the
     * destination range stay in the page cache, so pread, mappings and writeback keep them. Made real
     * by writing the old bytes back over the cloned range.
     */
    REFLINK_LEAVES_CACHE_STALE("""
        open f0 size=0x1001
        reflink f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1000
        """, "reflink clone", 2),
    /**
     * mmap(MAP_SHARED_VALIDATE|MAP_SYNC) succeeds on a file that is not DAX (R27: EOPNOTSUPP), as a
     * shared mapping without MAP_SYNC. Found by the capability probe, whose program is the reproducer.
     */
    MAP_SYNC_OFF_DAX("""
        open f0 size=0x0
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=true
        """, "mmap", 1),
    /**
     * The device mirror keeps a page after truncate (its invalidation of the range is lost, R17/R40):
     * device reads of it return the old bytes instead of EFAULT. Other changes invalidate as they should.
     * Its symptoms are several signatures: a read past the new EOF that succeeds (R17), the old bytes
     * where the file was truncated within the page (R17), and the post-EOF bytes that an extending
     * truncate zeroes (R18), since the device views read every page on its own.
     */
    DEVICE_KEEPS_PAGE_AFTER_TRUNCATE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        ftruncate f0 size=0x0
        """, "ftruncate", 3),
    /**
     * A truncate that shrinks a mapped file logs a kernel WARNING (written to /dev/kmsg as the kernel
     * would print it) and otherwise behaves: found only through the kernel log, as a finding of its own.
     */
    TRUNCATE_OF_MAPPED_FILE_WARNS("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        ftruncate f0 size=0x0
        """, "-", 1),
    /**
     * A hole punch leaves the file's mapped pages showing the old bytes (unmap_mapping_range lost from
     * truncate_pagecache_range, R17): the CPU keeps what the file no longer holds, and so would a mirror.
     * Like every bug here that leaves old pages mapped, it has other symptoms too: a store into such a
     * page reaches the old page, not the file, and any later change of the file that does not unmap
     * (a pwrite, an extension) shows through the mapping as stale; so any op may be a finding's culprit,
     * and the finding that names the bug's own op must shrink to the known minimum.
     */
    PUNCH_HOLE_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        punch-hole f0 offset=0x0 length=0x1
        """, "punch-hole *", 0),
    /** A pwrite does not reach the file's mapped pages (an incoherent page cache, R9). */
    PWRITE_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        pwrite f0 offset=0x0 length=0x1
        """, "pwrite *", 0),
    /**
     * A collapse range leaves the file's mapped pages showing the bytes from before the shift (its
     * unmap of the range to EOF lost, R54).
     */
    COLLAPSE_LEAVES_MAPPING_STALE("""
        open f0 size=0x1001
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        collapse-range f0 offset=0x0 length=0x1000
        """, "collapse-range *", 0),
    /** An insert range leaves the file's mapped pages showing the bytes from before the shift (R55). */
    INSERT_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        insert-range f0 offset=0x0 length=0x1000
        """, "insert-range *", 0),
    /**
     * A fallocate that extends the file keeps the old EOF page's bytes beyond EOF, a store's through a
     * mapping, as file data (R14, R52: what ext4 on 6.1 does, a real bug there).
     */
    FALLOCATE_KEEPS_POST_EOF("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        store m0 offset=0x1 length=0x1
        fallocate f0 offset=0x0 length=0x2 keepSize=false unshare=false
        """, "fallocate", 1),
    /**
     * MADV_DONTNEED leaves a private mapping's copied pages in place (its zap lost, R61): loads keep the
     * private bytes where the file's should show again. Needs a private copy first, so a store.
     */
    DONTNEED_KEEPS_PRIVATE_COPY("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=private sync=false
        store m0 offset=0x0 length=0x1
        madvise m0 offset=0x0 length=0x1000 advice=dontneed
        """, "madvise *", 0),
    /**
     * copy_file_range leaves the destination's mapped pages showing the old bytes (the page-cache copy
     * writes pages the mappings no longer show, as a lost unmap would; R70-R72).
     */
    COPY_FILE_RANGE_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        copy-file-range f0 src=f0 srcOffset=0x0 dstOffset=0x1 length=0x1
        """, "copy-file-range *", 0),
    /**
     * FIDEDUPERANGE of ranges that differ shares them anyway (its compare lost, R75): the destination
     * takes the source's bytes and the call reports them deduped.
     */
    DEDUPE_SHARES_DIFFERING_RANGES("""
        open f0 size=0x2000
        dedupe f0 src=f0 srcOffset=0x0 dstOffset=0x1000 length=0x1000
        """, "dedupe", 1),
    /**
     * HMM_DMIRROR_RELEASE evicts the device's pages, but the eviction's invalidation is lost (R90: its
     * MMU_NOTIFY_CLEAR): the device's mirror keeps its entries for them, pointing at the backing pages
     * the eviction freed, so a read through that mirror returns a freed page's bytes (zeros here) instead
     * of the page's, until something else invalidates the entry (a CPU access through the restored,
     * present PTE does not). Needs a page in device memory: a private copy, migrated. The device views
     * after the release show it; where they come later, after ops that leave the entry alone (a load, a
     * store, a pwrite), those ops are the culprit the views name, and the finding that names release
     * must shrink to the known minimum.
     */
    RELEASE_KEEPS_MIRROR("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=private sync=false
        store m0 offset=0x0 length=0x1
        migrate m0 offset=0x0 pages=0x1
        release m0 offset=0x0 pages=0x1
        """, "release *", 0),
    /**
     * EXCLUSIVE through one device on a page the other device's mirror holds exclusively leaves that
     * mirror's atomic entry in place (R92: the restore's MMU_NOTIFY_EXCLUSIVE lost for it): both mirrors
     * then hold the page exclusively, and the first one's CHECK_EXCLUSIVE says so (EPERM) where it must
     * answer 0. The entry goes with the next CPU access of the page or any other change.
     */
    SECOND_EXCLUSIVE_KEEPS_FIRST("""
        mmap m0 anon length=0x1000 prot=rw sharing=private
        exclusive m0 offset=0x0 pages=0x1
        exclusive m0 offset=0x0 pages=0x1 device=0x1
        check-exclusive m0 offset=0x0 pages=0x1
        """, "check-exclusive", 1),
    /**
     * fork leaves the parent's device mirror over its private mappings as it was: copy_page_range's
     * MMU_NOTIFY_PROTECTION_PAGE over the COW VMA is lost (R113), so the mirror's entries survive the
     * write protection of the parent's pages; an atomic (exclusive) entry survives the restore of its
     * page (R114), and check-exclusive still answers EPERM after the fork.
     */
    FORK_KEEPS_MIRROR_WRITABLE("""
        mmap m0 anon length=0x1000 prot=rw sharing=private
        exclusive m0 offset=0x0 pages=0x1
        fork m0 offset=0x0 length=0x1 store=false
        check-exclusive m0 offset=0x0 pages=0x1
        """, "check-exclusive", 1),
    /**
     * A direct write leaves the file's mapped pages showing the old bytes: the page-cache invalidation
     * around it (invalidate_inode_pages2_range in __iomap_dio_rw and kiocb_invalidate_post_direct_write,
     * R105) is lost, so the old pages stay mapped (and mirrored) over blocks the write changed.
     */
    DIRECT_WRITE_LEAVES_MAPPING_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        pwrite f0 offset=0x0 length=0x200 direct=true
        """, "pwrite *", 0),
    /**
     * mlock populates the range but leaves its VMAs without VM_LOCKED (a wrong lock state, R79): what
     * VM_LOCKED refuses (MS_INVALIDATE's EBUSY, MADV_DONTNEED's EINVAL, R78, R61) goes through. The
     * populate fails past EOF, and the range would stay locked all the same. Any op may be its culprit:
     * an mprotect of a private mapping to writable copies only locked pages (R79), so a later pwrite,
     * truncate or copy shows through pages the model holds copied.
     */
    MLOCK_FORGETS_LOCK("""
        mmap m0 anon length=0x1 prot=rw sharing=shared
        mlock m0 offset=0x0 length=0x1
        madvise m0 offset=0x0 length=0x1 advice=dontneed
        """, "*", 0),
    /**
     * munlock answers 0 and leaves the range VM_LOCKED (R80): MS_INVALIDATE stays EBUSY (R78), MADV_PAGEOUT
     * EINVAL (R66). Any op may be its culprit, as for MLOCK_FORGETS_LOCK (the copies an mprotect makes of
     * locked private pages).
     */
    MUNLOCK_KEEPS_LOCK("""
        mmap m0 anon length=0x1 prot=rw sharing=shared
        mlock m0 offset=0x0 length=0x1
        munlock m0 offset=0x0 length=0x1
        madvise m0 offset=0x0 length=0x1 advice=pageout
        """, "*", 0),
    /**
     * mremap's move copies a private mapping's page-table entries instead of moving them (R84, R85): the
     * old range that MREMAP_DONTUNMAP leaves, which must fault the file's current bytes again, keeps
     * showing the pages it showed, private copies included, until a correct unmap. A private copy that
     * differs from the file needs a store, or a change of the file after the call (then the culprit is
     * that change).
     */
    MREMAP_KEEPS_OLD_PAGES("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=private sync=false
        store m0 offset=0x0 length=0x1
        mremap m0 newLength=0x1 mode=dontunmap second=m1
        """, "mremap *", 0),
    /**
     * move_page_tables loses its mmu notification of the old range (R84, R85), which only a
     * MREMAP_DONTUNMAP shows: a plain move's munmap of the old range invalidates it again. The device
     * mirror keeps its entries for the old addresses, which point at the pages that moved, so a device
     * read of the old range the call leaves returns what the moved mapping holds there (a private
     * copy) where the file's bytes must show, until something invalidates that range (below). Its
     * symptoms differ by what made the copy (a store, a device write, a populate): one finding each.
     */
    MREMAP_LEAVES_MIRROR_STALE("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=private sync=false
        store m0 offset=0x0 length=0x1
        mremap m0 newLength=0x1 mode=dontunmap second=m1
        """, "mremap", 0),
    /**
     * drop_caches evicts a file's mapped pages without unmapping them (mapping_evict_folio's test of the
     * extra reference a mapping holds lost, R120): the mappings keep the old pages (orphans) while the page
     * cache reads a new copy of the file, so a later pwrite does not show through the mapping and a later
     * store through the mapping does not reach the file, until a correct unmap (munmap, truncate). The
     * decorator emulates drop_caches itself and never passes it to the real kernel (so its hunts run on
     * the local kernel too, {@link PlantedBugTarget#ownsKernel}): every page of each file mapping becomes
     * an orphan holding what it shows, with its dirty bytes written back first (the file keeps them), as
     * the other orphan bugs keep every page of a mapping, faulted or not.
     *
     * <p>Known minimum, 4 ops: a file with a byte (an empty file's only page is past EOF: SIGBUS, nothing
     * mapped), a mapping of it, the drop that orphans the mapped page, and a change after it that the
     * orphan does not follow: a pwrite the mapping misses (here; the view after it shows the old bytes) or
     * a store the file misses. Three cannot show it: right after the drop the orphan holds the bytes the
     * page cache holds. Any later change of the file or the mapping may be the culprit the finding names.
     */
    DROP_CACHES_ORPHANS_MAPPED_PAGES("""
        open f0 size=0x1
        mmap m0 file=f0 offset=0x0 length=0x1 prot=rw sharing=shared sync=false
        drop-caches what=pagecache
        pwrite f0 offset=0x0 length=0x1
        """, "drop-caches *", 0),
    /**
     * HMM_DMIRROR_MIGRATE_TO_SYS through a device with device-coherent memory also takes the other
     * coherent device's pages: the pgmap owner check in migrate_vma_collect_pmd lost for device-coherent
     * pages (R121, R39: {@code page->pgmap->owner != migrate->pgmap_owner}), so a driver migrates memory
     * it does not own, and cpages counts those pages too. Emulated by a second migration through the
     * other coherent device. Known minimum, 3 ops: a private anonymous page (migration fills a hole with
     * a page of its own, so no store is needed), its migration to one coherent device, and the other
     * coherent device's migration back, which must count 0.
     */
    COHERENT_MIGRATE_BACK_TAKES_OTHERS("""
        mmap m0 anon length=0x1000 prot=rw sharing=private
        migrate m0 offset=0x0 pages=0x1 device=0x2
        migrate-back m0 offset=0x0 pages=0x1 device=0x3
        """, "migrate-back", 1);

    private final String minimal;
    private final java.util.Set<String> culprits;
    private final int maxFindings;

    /**
     * @param minimal     the shortest program known to show it
     * @param culprits    the op kinds a finding of it may name as the op after which it appeared
     *                    ({@code -} for a kernel report, which names no op; {@code *}: any op, where the
     *                    bug leaves old pages mapped that any later change shows)
     * @param maxFindings how many findings (signatures) it may end as: one, or two where the bug really
     *                    shows two symptoms (through reflink and through clone); 0: as many as its symptoms
     */
    Bug(String minimal, String culprits, int maxFindings) {
      this.minimal = minimal;
      this.culprits = java.util.Set.of(culprits.split(" "));
      this.maxFindings = maxFindings;
    }

    public java.util.Set<String> culprits() {
      return culprits;
    }

    public int maxFindings() {
      return maxFindings == 0 ? Integer.MAX_VALUE : maxFindings;
    }

    /** Whether a finding naming {@code op} as its culprit may be this bug's. */
    public boolean culprit(String op) {
      return culprits.contains(op) || culprits.contains("*");
    }

    /** The shortest program known to show the bug (found and shrunk on 6.18 tmpfs/xfs, 6.1 in the VM). */
    public String minimalProgram() {
      return minimal;
    }

    public int minimalOps() {
      return (int) minimal.lines().filter(l -> !l.isBlank()).count();
    }

    /**
     * Why a campaign over a target with these capabilities cannot show the bug (the op it lives in is
     * missing there, or the model allows what it does), or null if it can.
     *
     * @param kernelLogWatched whether the target reads the kernel log (root on the local kernel)
     */
    public String unavailable(Capabilities caps, boolean kernelLogWatched) {
      return switch (this) {
        case REFLINK_LEAVES_MAPPING_STALE, REFLINK_LEAVES_CACHE_STALE -> caps.reflink() ? null : "no reflink on " + caps.fs().id();
        case MAP_SYNC_OFF_DAX -> caps.dax() ? "files on " + caps.fs().id() + " are DAX" : null;
        case DEVICE_KEEPS_PAGE_AFTER_TRUNCATE, SECOND_EXCLUSIVE_KEEPS_FIRST, FORK_KEEPS_MIRROR_WRITABLE,
            MREMAP_LEAVES_MIRROR_STALE ->
            caps.testHmm() ? null : "no test_hmm";
        case COHERENT_MIGRATE_BACK_TAKES_OTHERS -> !caps.testHmm() ? "no test_hmm"
            : !caps.coherentDevices() ? "no test_hmm devices with device-coherent memory (R121: the tool's guests have them)"
            : null;
        case RELEASE_KEEPS_MIRROR -> !caps.testHmm() ? "no test_hmm"
            : !caps.kernel().atLeast(6, 1) ? "test_hmm before 6.1 has no HMM_DMIRROR_RELEASE (R90)"
            : caps.dax() ? "files on " + caps.fs().id() + " are DAX: nothing migrates to device memory (R38)" : null;
        case TRUNCATE_OF_MAPPED_FILE_WARNS -> kernelLogWatched ? null : "/dev/kmsg not readable (run as root)";
        case COLLAPSE_LEAVES_MAPPING_STALE, INSERT_LEAVES_MAPPING_STALE ->
            caps.fs().shiftsRanges() ? null : caps.fs().id() + " has no collapse or insert range (R51)";
        case DIRECT_WRITE_LEAVES_MAPPING_STALE -> caps.directIo() ? null
            : "no O_DIRECT on " + caps.fs().id() + " before 6.6 (R100)";
        case MLOCK_FORGETS_LOCK, MUNLOCK_KEEPS_LOCK -> caps.root() ? null : "mlock is generated only as root (R79)";
        case DROP_CACHES_ORPHANS_MAPPED_PAGES -> !caps.root() ? "drop-caches is generated only as root (R120)"
            : caps.dax() ? "files on " + caps.fs().id() + " are DAX: no page cache for drop_caches to evict (R120)"
            : null;
        case DONTNEED_KEEPS_PRIVATE_COPY -> caps.madvise() ? null
            : "no madvise(2) in this kernel (CONFIG_ADVISE_SYSCALLS is not set, R60)";
        case DEDUPE_SHARES_DIFFERING_RANGES -> caps.reflink() ? null
            : "no deduplication on " + caps.fs().id() + " without reflink (R75)";
        case FALLOCATE_KEEPS_POST_EOF -> !caps.extensionZeroesPostEof()
            ? "on " + caps.fs().id() + " an extension keeps post-EOF bytes as data (U2)"
            : caps.extensionLeakUnfixed() ? caps.fs().type() + " on " + caps.kernel()
                + " predates the fix of R14's leak: the kernel's own findings look the same as the planted bug's"
            : null;
        default -> null;
      };
    }
  }

  /**
   * A file mapping the program made: the fd it was made through, and its file (the name the fd had then;
   * an fd number may name another file after a close), where it is, and what of the file it maps.
   */
  private record Mapping(int fd, String file, long address, long length, long offset, boolean shared) {}

  private final Kernel real;
  private final Bug bug;
  private final List<Mapping> mappings = new ArrayList<>();
  /** Stale page contents by page address (the bugs that leave mappings stale). */
  private final Map<Long, byte[]> stale = new HashMap<>();
  /** The buggy device mirror's pages by address (DEVICE bug). */
  private final Map<Long, byte[]> mirror = new HashMap<>();
  /** Per device, the entries its mirror kept for the pages a release evicted, by address (RELEASE bug). */
  private final List<Map<Long, byte[]>> released = perDevice(HashMap::new);
  /** Per device, the pages whose atomic entry its mirror kept when the other device took them (EXCLUSIVE bug). */
  private final List<java.util.Set<Long>> ghosts = perDevice(java.util.HashSet::new);

  /** One of {@code make}'s per test_hmm device a program may name ({@link io.hmmfuzz.core.exec.DeviceMemory#DEVICES}). */
  private static <T> List<T> perDevice(java.util.function.Supplier<T> make) {
    return java.util.stream.Stream.generate(make).limit(io.hmmfuzz.core.exec.DeviceMemory.DEVICES).toList();
  }
  /** Each program file's fd by its name (createFile), and the file fd of each O_DIRECT fd (openDirect). */
  private final Map<String, Integer> fdOfName = new HashMap<>();
  private final Map<Integer, Integer> fileOfDirect = new HashMap<>();
  /**
   * MREMAP_LEAVES_MIRROR_STALE: each page address of an old range a DONTUNMAP left, with the address its
   * page moved to, which the mirror's entry for the old address still reaches.
   */
  private final Map<Long, Long> movedAway = new HashMap<>();

  /** Where the planted WARNING goes: the kernel log of the kernel under test. */
  private final java.util.function.Consumer<String> kernelLog;

  public PlantedBugKernel(Kernel real, Bug bug, java.util.function.Consumer<String> kernelLog) {
    this.real = real;
    this.bug = bug;
    this.kernelLog = kernelLog;
  }

  /** Logs a WARNING report the way the kernel prints one, one /dev/kmsg record per line. */
  private void warn(String where) {
    // The PID is this JVM's: another hmmfuzz reading the same kernel log knows the line is not its
    // kernel's (ConsoleWatch.PLANTED).
    for (String line : List.of("------------[ cut here ]------------", "WARNING: CPU: 0 PID: "
        + ProcessHandle.current().pid() + " at " + where,
        "---[ end trace 0000000000000000 ]---")) {
      kernelLog.accept(line);
    }
  }

  /**
   * A call that invalidates the mirror over some range (munmap, mprotect, madvise, a store's fault, a
   * change of a file's extents or pages under its mappings, a device command that faults): the stale
   * entries a lost notification of mremap left are dropped, whatever the range. Loads, reads, writes
   * through the page cache, writeback, new mappings and device reads keep them.
   */
  private void invalidates() {
    movedAway.clear();
  }

  /**
   * FORK bug: pages the device holds exclusively (an atomic mirror entry), as far as the bug needs to
   * know: from a successful EXCLUSIVE to any change, a CPU access of the page or a fork.
   */
  private final java.util.Set<Long> exclusive = new java.util.HashSet<>();
  /** FORK bug: atomic entries a fork should have erased and kept (R113, R114), until any change. */
  private final java.util.Set<Long> keptAtomic = new java.util.HashSet<>();

  /**
   * Writeback (fsync, msync): page_mkclean's notifier over the file's dirty shared pages invalidates a
   * correct mirror there (R40), and writeback may change the EOF page's bytes past EOF (R11), so the
   * truncate bug's mirror drops the pages it copied: it keeps pages across a truncate only. (Without
   * this, its copy of an EOF page read before an fsync showed the post-EOF bytes writeback had zeroed,
   * a finding that named fsync: CI at 3e3dca3.)
   */
  private void writeback() {
    mirror.clear();
  }

  /** A change other than truncate: the buggy mirror still invalidates for these. */
  private void changed() {
    mirror.clear();
    exclusive.clear();
    keptAtomic.clear();
  }

  /**
   * A change that invalidates the mirrors over the program's mappings (munmap, mprotect, truncate, a
   * hole punch or shift, madvise, a clone into a mapped file, another device command): the entries the
   * RELEASE and EXCLUSIVE bugs kept go with it.
   */
  private void mirrorsInvalidated() {
    released.forEach(Map::clear);
    ghosts.forEach(java.util.Set::clear);
  }

  /** As {@link #mirrorsInvalidated()}, over the pages of [address, address+length) only (munmap, mprotect, madvise). */
  private void mirrorsInvalidated(long address, long length) {
    released.forEach(r -> r.keySet().removeIf(p -> p + 4096 > address && p < address + length));
    cpuAccessed(address, length);
  }

  /** A CPU access of [address, address+length): it restores an exclusive entry, so a kept atomic entry goes. */
  private void cpuAccessed(long address, long length) {
    for (java.util.Set<Long> g : ghosts) {
      g.removeIf(p -> p + 4096 > address && p < address + length);
    }
  }

  @Override
  public SysResult ftruncate(int fd, long length) {
    invalidates();
    mirrorsInvalidated();
    if (bug == Bug.TRUNCATE_OF_MAPPED_FILE_WARNS && mappings.stream().anyMatch(m -> m.fd == fd)) {
      SysResult size = real.fileSize(fd);
      if (!size.failed() && length >= 0 && length < size.value()) {
        warn("planted/hmmfuzz.c:1 planted_truncate_of_mapped_file+0x0/0x10");
      }
    }
    if (orphanBug()) {
      // A correct truncate unmaps the pages beyond the new EOF, old ones included (R17).
      SysResult r = real.ftruncate(fd, length);
      if (!r.failed()) {
        unmapped(fd);
      }
      return r;
    }
    if (bug != Bug.TRUNCATE_KEEPS_TAIL || length <= 0 || length % 4096 == 0) {
      return real.ftruncate(fd, length);
    }
    long pageEnd = (length / 4096 + 1) * 4096;
    byte[] tail = new byte[(int) (pageEnd - length)];
    long got = real.pread(fd, tail, tail.length, length).value();
    SysResult r = real.ftruncate(fd, length);
    if (!r.failed() && got > 0) {
      long page = length / 4096 * 4096;
      SysResult a = real.mmap(4096, Prot.READ_WRITE, Sharing.SHARED, false, fd, page);
      if (!a.failed()) {
        real.store(a.value() + (length - page), tail, 0, (int) got);
        real.munmap(a.value(), 4096);
      }
    }
    return r;
  }

  private void snapshotMappingsOf(int dstFd) {
    snapshotMappingsOf(dstFd, 0, Long.MAX_VALUE);
  }

  /** The pages of the file's mappings over file bytes [from, to) keep what they show now. */
  private void snapshotMappingsOf(int dstFd, long from, long to) {
    snapshotMappings(m -> m.fd == dstFd, from, to);
  }

  /** The pages of the mappings {@code which} over file bytes [from, to) keep what they show now. */
  private void snapshotMappings(java.util.function.Predicate<Mapping> which, long from, long to) {
    // The shared mappings of one file page keep one old page between them (orphans, where the bug
    // keeps old pages the way a lost unmap does): a store through one shows through the others.
    Map<String, byte[]> orphans = new HashMap<>();
    for (Mapping m : mappings) {
      if (!which.test(m)) {
        continue;
      }
      if (!real.protectionAt(m.address).readable()) {
        continue; // a load would be a real SIGSEGV, which kills the JVM
      }
      for (long p = 0; p < m.length; p += 4096) {
        if (stale.containsKey(m.address + p) || m.offset + p + 4096 <= from || m.offset + p >= to) {
          continue;
        }
        String filePage = m.file + "@" + (m.offset + p);
        byte[] page = m.shared && orphanBug() ? orphans.get(filePage) : null;
        if (page == null) {
          page = new byte[4096];
          if (real.load(m.address + p, page, 0, 4096) != Signal.NONE) {
            continue;
          }
          if (m.shared && orphanBug()) {
            orphans.put(filePage, page);
          }
        }
        stale.put(m.address + p, page);
      }
    }
  }

  /**
   * Whether the bug keeps old pages mapped as a lost unmap does: loads and stores of such a page reach
   * it (and not the file), with no SIGBUS past EOF, until a correct unmap or munmap. The reflink bug's
   * stale pages are the older kind: a store makes its page show the file again.
   */
  private boolean orphanBug() {
    return switch (bug) {
      case PUNCH_HOLE_LEAVES_MAPPING_STALE, PWRITE_LEAVES_MAPPING_STALE, COLLAPSE_LEAVES_MAPPING_STALE,
          INSERT_LEAVES_MAPPING_STALE, DONTNEED_KEEPS_PRIVATE_COPY, COPY_FILE_RANGE_LEAVES_MAPPING_STALE,
          DIRECT_WRITE_LEAVES_MAPPING_STALE, MREMAP_KEEPS_OLD_PAGES, DROP_CACHES_ORPHANS_MAPPED_PAGES -> true;
      default -> false;
    };
  }

  /**
   * A clone of {@code length} bytes (0: to the source's EOF) into dstFd at dstOffset: with the REFLINK
   * bugs, its mapped pages, or its cached pages, keep showing what they showed before.
   */
  private SysResult clone(int dstFd, int srcFd, long srcOffset, long length, long dstOffset, Supplier<SysResult> call) {
    invalidates();
    changed();
    mirrorsInvalidated();
    if (bug == Bug.REFLINK_LEAVES_MAPPING_STALE) {
      snapshotMappingsOf(dstFd);
    }
    byte[] old = null;
    if (bug == Bug.REFLINK_LEAVES_CACHE_STALE) {
      SysResult dstSize = real.fileSize(dstFd);
      SysResult srcSize = real.fileSize(srcFd);
      if (!dstSize.failed() && !srcSize.failed() && dstOffset < dstSize.value()) {
        long len = length != 0 ? length : Math.max(0, srcSize.value() - srcOffset);
        old = new byte[(int) Math.min(Math.min(len, dstSize.value() - dstOffset), 1 << 20)];
        old = java.util.Arrays.copyOf(old, (int) Math.max(0, real.pread(dstFd, old, old.length, dstOffset).value()));
      }
    }
    SysResult r = call.get();
    if (r.failed() && !orphanBug()) {
      stale.clear();
    } else if (orphanBug() && !r.failed()) {
      unmapped(dstFd); // a correct clone unmaps the destination's range (R23)
    } else if (old != null && old.length > 0) {
      real.pwrite(dstFd, old, old.length, dstOffset);
    }
    return r;
  }

  @Override
  public SysResult cloneRange(int dstFd, int srcFd, long srcOffset, long length, long dstOffset) {
    return clone(dstFd, srcFd, srcOffset, length, dstOffset,
        () -> real.cloneRange(dstFd, srcFd, srcOffset, length, dstOffset));
  }

  @Override
  public SysResult cloneFile(int dstFd, int srcFd) {
    return clone(dstFd, srcFd, 0, 0, 0, () -> real.cloneFile(dstFd, srcFd));
  }

  @Override
  public SysResult copyFileRange(int srcFd, long srcOffset, int dstFd, long dstOffset, long length) {
    invalidates();
    changed();
    mirrorsInvalidated();
    return staleAround(dstFd, bug == Bug.COPY_FILE_RANGE_LEAVES_MAPPING_STALE, dstOffset,
        length < 0 ? Long.MAX_VALUE : dstOffset + length,
        () -> real.copyFileRange(srcFd, srcOffset, dstFd, dstOffset, length), false);
  }

  @Override
  public SysResult dedupeRange(int srcFd, long srcOffset, long length, int dstFd, long dstOffset) {
    invalidates();
    changed();
    mirrorsInvalidated();
    SysResult r = real.dedupeRange(srcFd, srcOffset, length, dstFd, dstOffset);
    if (bug == Bug.DEDUPE_SHARES_DIFFERING_RANGES && r.failed() && r.errno() == io.hmmfuzz.core.Errno.EBADE
        && length > 0 && length <= 1 << 20) {
      // The compare said DIFFERS; the buggy dedupe shares the ranges all the same.
      byte[] bytes = new byte[(int) length];
      SysResult got = real.pread(srcFd, bytes, bytes.length, srcOffset);
      if (!got.failed() && got.value() > 0) {
        real.pwrite(dstFd, bytes, (int) got.value(), dstOffset);
        return SysResult.ok(got.value());
      }
    }
    return r;
  }

  @Override
  public Signal load(long address, byte[] dst, int dstOffset, int length) {
    cpuAccessed(address, length);
    long page = address / 4096 * 4096;
    exclusive.remove(page); // a CPU fault restores a device-exclusive entry and erases the atomic one
    byte[] old = stale.get(page);
    if (old != null && orphanBug() && real.protectionAt(address).readable()) {
      System.arraycopy(old, (int) (address - page), dst, dstOffset, length);
      return Signal.NONE;
    }
    Signal s = real.load(address, dst, dstOffset, length);
    if (s == Signal.NONE && old != null) {
      System.arraycopy(old, (int) (address - page), dst, dstOffset, length);
    }
    return s;
  }

  @Override
  public Signal store(long address, byte[] src, int srcOffset, int length) {
    invalidates();
    changed();
    cpuAccessed(address, length);
    long page = address / 4096 * 4096;
    byte[] old = stale.get(page);
    if (old != null && orphanBug() && real.protectionAt(address).writable()) {
      System.arraycopy(src, srcOffset, old, (int) (address - page), length);
      return Signal.NONE;
    }
    stale.remove(page);
    return real.store(address, src, srcOffset, length);
  }

  @Override
  public SysResult mmap(long length, Prot prot, Sharing sharing, boolean sync, int fd, long offset) {
    changed();
    SysResult r = real.mmap(length, prot, sharing, sync && bug != Bug.MAP_SYNC_OFF_DAX, fd, offset);
    if (!r.failed()) {
      String file = fdOfName.entrySet().stream().filter(e -> e.getValue() == fd).map(Map.Entry::getKey).findFirst()
          .orElse("fd " + fd);
      mappings.add(new Mapping(fd, file, r.value(), (length + 4095) / 4096 * 4096, offset, sharing == Sharing.SHARED));
    }
    return r;
  }

  @Override
  public SysResult mmapAnonymous(long length, Prot prot, Sharing sharing) {
    changed();
    return real.mmapAnonymous(length, prot, sharing);
  }

  @Override
  public Child fork(boolean write, long address, byte[] buf, int length, int pageSize) {
    invalidates(); // copy_page_range write-protects the parent's private pages
    Child c = real.fork(write, address, buf, length, pageSize);
    if (bug == Bug.FORK_KEEPS_MIRROR_WRITABLE && !c.forked().failed()) {
      keptAtomic.addAll(exclusive); // the lost invalidation: what the mirror held exclusively, it keeps
    }
    exclusive.clear();
    mirrorsInvalidated(); // R113: the other bugs' kept entries of private mappings go with fork's invalidation
    if (bug == Bug.DEVICE_KEEPS_PAGE_AFTER_TRUNCATE) {
      // fork write-protects the parent's pages and a child's store changes shared ones: the pages the
      // buggy mirror kept are the truncate bug's only, so they go as on any other change (R113).
      mirror.clear();
    }
    return c;
  }

  @Override
  public SysResult munmap(long address, long length) {
    invalidates();
    changed();
    mirrorsInvalidated(address, length);
    mappings.removeIf(m -> m.address == address);
    stale.keySet().removeIf(p -> p >= address && p < address + length);
    return real.munmap(address, length);
  }

  @Override
  public SysResult createFile(String name) {
    SysResult r = real.createFile(name);
    if (!r.failed()) {
      fdOfName.put(name, (int) r.value());
    }
    return r;
  }

  @Override
  public SysResult openDirect(String name) {
    SysResult r = real.openDirect(name);
    if (!r.failed() && fdOfName.containsKey(name)) {
      fileOfDirect.put((int) r.value(), fdOfName.get(name));
    }
    return r;
  }

  @Override
  public SysResult openReadOnly(String name) {
    return real.openReadOnly(name);
  }

  @Override
  public SysResult close(int fd) {
    changed();
    fileOfDirect.remove(fd);
    fdOfName.values().remove(fd);
    return real.close(fd);
  }

  @Override
  public SysResult pread(int fd, byte[] buf, int length, long offset) {
    return real.pread(fd, buf, length, offset);
  }

  @Override
  public SysResult pwrite(int fd, byte[] buf, int length, long offset) {
    changed();
    Integer file = fileOfDirect.get(fd);
    if (file != null) {
      invalidates();
      // A correct direct write unmaps the range's pages from the file's mappings (R105); the bug keeps
      // the old ones mapped.
      return staleAround(file, bug == Bug.DIRECT_WRITE_LEAVES_MAPPING_STALE, offset, offset + length,
          () -> real.pwrite(fd, buf, length, offset), true);
    }
    return staleAround(fd, bug == Bug.PWRITE_LEAVES_MAPPING_STALE, offset, offset + length,
        () -> real.pwrite(fd, buf, length, offset), false);
  }

  /**
   * The call, with the file's mapped pages left showing what they showed before it where {@code stale}
   * (the bug's missing unmap): kept until a store or munmap of the page.
   */
  private SysResult staleAround(int fd, boolean stale, long from, long to, Supplier<SysResult> call, boolean unmaps) {
    Map<Long, byte[]> before = stale ? new HashMap<>(this.stale) : null;
    if (stale) {
      snapshotMappingsOf(fd, from, to);
    }
    SysResult r = call.get();
    if (stale && r.failed()) {
      // The call did nothing: its pages are as they were.
      this.stale.clear();
      this.stale.putAll(before);
    } else if (!stale && unmaps && !r.failed()) {
      unmapped(fd);
    }
    return r;
  }

  /**
   * A correct unmap of the file's range (truncate, a hole punch, a shift): the pages a planted bug left
   * showing old bytes leave the page tables, and show the file again.
   */
  private void unmapped(int fd) {
    for (Mapping m : mappings) {
      if (m.fd == fd) {
        stale.keySet().removeIf(p -> p >= m.address && p < m.address + m.length);
      }
    }
  }

  /**
   * An extending fallocate that keeps the old EOF page's post-EOF bytes: read through a mapping
   * before the call, stored back through one after it.
   */
  private SysResult keepingPostEof(int fd, long offset, long length, Supplier<SysResult> call) {
    SysResult size = real.fileSize(fd);
    if (size.failed() || size.value() % 4096 == 0 || offset + length <= size.value()) {
      return call.get();
    }
    long eof = size.value();
    long page = eof / 4096 * 4096;
    SysResult a = real.mmap(4096, Prot.READ_WRITE, Sharing.SHARED, false, fd, page);
    if (a.failed()) {
      return call.get();
    }
    try {
      byte[] tail = new byte[(int) (page + 4096 - eof)];
      boolean read = real.load(a.value() + (eof - page), tail, 0, tail.length) == Signal.NONE;
      SysResult r = call.get();
      if (!r.failed() && read) {
        int keep = (int) Math.min(tail.length, offset + length - eof);
        real.store(a.value() + (eof - page), tail, 0, keep);
      }
      return r;
    } finally {
      real.munmap(a.value(), 4096);
    }
  }

  @Override
  public SysResult fsync(int fd) {
    writeback();
    return real.fsync(fd);
  }

  @Override
  public SysResult fallocate(int fd, FallocMode mode, long offset, long length) {
    invalidates();
    changed();
    mirrorsInvalidated();
    Supplier<SysResult> call = () -> real.fallocate(fd, mode, offset, length);
    if (bug == Bug.FALLOCATE_KEEPS_POST_EOF && mode == FallocMode.ALLOCATE) {
      return keepingPostEof(fd, offset, length, call);
    }
    boolean stale = switch (mode) {
      case PUNCH_HOLE -> bug == Bug.PUNCH_HOLE_LEAVES_MAPPING_STALE;
      case COLLAPSE_RANGE -> bug == Bug.COLLAPSE_LEAVES_MAPPING_STALE;
      case INSERT_RANGE -> bug == Bug.INSERT_LEAVES_MAPPING_STALE;
      default -> false;
    };
    // A punch drops its range; a shift, everything from its offset on.
    long to = mode == FallocMode.PUNCH_HOLE ? offset + length : Long.MAX_VALUE;
    return staleAround(fd, stale, offset, to, call, mode != FallocMode.ALLOCATE && mode != FallocMode.ALLOCATE_KEEP_SIZE);
  }

  @Override
  public SysResult fileSize(int fd) {
    return real.fileSize(fd);
  }

  /**
   * drop_caches. With {@link Bug#DROP_CACHES_ORPHANS_MAPPED_PAGES} it is emulated here and never reaches
   * the real kernel: a drop of the page cache ("1" or "3") leaves every page of each file mapping an
   * orphan holding what it shows; a drop of slab objects alone changes nothing. With the other bugs the
   * real kernel's (a guest's: elsewhere the runner refuses the op); a correct drop changes nothing the
   * other bugs' emulations keep (it fires no notifier: what it evicts is mapped nowhere).
   */
  @Override
  public SysResult dropCaches(CacheDrop what) {
    if (bug != Bug.DROP_CACHES_ORPHANS_MAPPED_PAGES) {
      return real.dropCaches(what);
    }
    if (what != CacheDrop.SLAB) {
      snapshotMappings(m -> true, 0, Long.MAX_VALUE);
    }
    return SysResult.ok(0);
  }

  @Override
  public SysResult mprotect(long address, long length, Prot prot) {
    invalidates();
    changed();
    mirrorsInvalidated(address, length);
    return real.mprotect(address, length, prot);
  }

  @Override
  public SysResult msync(long address, long length, MsyncMode mode) {
    writeback();
    return real.msync(address, length, mode);
  }

  @Override
  public SysResult mlock(long address, long length) {
    invalidates(); // its populate copies private pages on write
    changed();
    SysResult r = real.mlock(address, length);
    if (bug == Bug.MLOCK_FORGETS_LOCK) {
      real.munlock(address, length); // the lock state lost; what was populated stays
    }
    return r;
  }

  @Override
  public SysResult munlock(long address, long length) {
    changed();
    return bug == Bug.MUNLOCK_KEEPS_LOCK ? SysResult.ok(0) : real.munlock(address, length);
  }

  @Override
  public SysResult madvise(long address, long length, Advice advice) {
    invalidates();
    changed();
    mirrorsInvalidated(address, length);
    if (bug != Bug.DONTNEED_KEEPS_PRIVATE_COPY || advice != Advice.DONTNEED) {
      return real.madvise(address, length, advice);
    }
    // The pages of the range as they are now stay mapped over what DONTNEED drops.
    Map<Long, byte[]> before = new HashMap<>(stale);
    for (Mapping m : mappings) {
      if (m.shared || address < m.address || address >= m.address + m.length
          || !real.protectionAt(m.address).readable()) {
        continue;
      }
      for (long p = address; p < Math.min(address + length, m.address + m.length); p += 4096) {
        byte[] page = new byte[4096];
        if (!stale.containsKey(p) && real.load(p, page, 0, 4096) == Signal.NONE) {
          stale.put(p, page);
        }
      }
    }
    SysResult r = real.madvise(address, length, advice);
    if (r.failed()) {
      stale.clear();
      stale.putAll(before);
    }
    return r;
  }

  /**
   * mremap, the mappings followed to where it leaves them (pages a planted bug keeps go with their
   * page-table entries); with MREMAP_KEEPS_OLD_PAGES a DONTUNMAP of a private mapping leaves the old
   * range showing what it showed.
   */
  @Override
  public SysResult mremap(long address, long oldLength, long newLength, Remap mode) {
    invalidates();
    changed();
    mirrorsInvalidated(address, oldLength);
    Mapping m = mappings.stream().filter(x -> x.address == address).findFirst().orElse(null);
    Map<Long, byte[]> kept = new HashMap<>();
    if (bug == Bug.MREMAP_KEEPS_OLD_PAGES && mode == Remap.DONTUNMAP && m != null && !m.shared
        && real.protectionAt(address).readable()) {
      for (long p = address; p < address + m.length; p += 4096) {
        byte[] page = new byte[4096];
        if (load(p, page, 0, 4096) == Signal.NONE) {
          kept.put(p, page);
        }
      }
    }
    SysResult r = real.mremap(address, oldLength, newLength, mode);
    if (r.failed() || m == null) {
      return r;
    }
    long to = r.value();
    long length = (newLength + 4095) / 4096 * 4096;
    Map<Long, byte[]> moved = new HashMap<>();
    stale.entrySet().removeIf(e -> {
      long p = e.getKey();
      if (mode == Remap.DUPLICATE || p < address || p >= address + m.length) {
        return false;
      }
      if (p - address < length) {
        moved.put(to + (p - address), e.getValue());
      }
      return true;
    });
    stale.putAll(moved);
    Mapping there = new Mapping(m.fd, m.file, to, length, m.offset, m.shared);
    if (mode != Remap.DONTUNMAP && mode != Remap.DUPLICATE) {
      mappings.remove(m);
    }
    mappings.add(there);
    stale.putAll(kept);
    if (bug == Bug.MREMAP_LEAVES_MIRROR_STALE && mode == Remap.DONTUNMAP) {
      for (long p = 0; p < m.length; p += 4096) {
        movedAway.put(address + p, to + p);
      }
    }
    return r;
  }

  @Override
  public SysResult device(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
    if (bug == Bug.MREMAP_LEAVES_MIRROR_STALE) {
      // The buggy mirror is device 0's, which the device views read through, one page per READ.
      Long to = movedAway.get(address);
      if (device == 0 && command == DeviceCommand.READ && pages == 1 && to != null
          && real.protectionAt(address).readable() && real.protectionAt(to).readable()
          && real.load(to, buffer, 0, 4096) == Signal.NONE) {
        return SysResult.ok(1); // the stale entry: the page that moved away
      }
      if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT) {
        invalidates();
      }
      return real.device(device, command, address, pages, buffer);
    }
    if (bug == Bug.RELEASE_KEEPS_MIRROR) {
      return releaseKeepingMirror(device, command, address, pages, buffer);
    }
    if (bug == Bug.COHERENT_MIGRATE_BACK_TAKES_OTHERS && command == DeviceCommand.MIGRATE_TO_SYS
        && io.hmmfuzz.core.exec.DeviceMemory.of(device) == io.hmmfuzz.core.exec.DeviceMemory.COHERENT) {
      SysResult own = real.device(device, command, address, pages, buffer);
      if (own.failed()) {
        return own;
      }
      int other = io.hmmfuzz.core.exec.DeviceMemory.partner(device);
      SysResult taken = real.device(other, command, address, pages, buffer);
      return taken.failed() ? own : SysResult.ok(own.value() + taken.value());
    }
    if (bug == Bug.FORK_KEEPS_MIRROR_WRITABLE) {
      SysResult r = real.device(device, command, address, pages, buffer);
      if (device != 0) {
        // The buggy mirror is device 0's: another device's command that changes pages (its exclusive
        // access takes device 0's atomic entries, its migration notifies device 0) is a change.
        if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT && command != DeviceCommand.CHECK_EXCLUSIVE) {
          changed();
        }
        return r;
      }
      switch (command) {
        case EXCLUSIVE -> {
          if (!r.failed()) {
            for (long p = 0; p < pages; p++) {
              exclusive.add(address + p * 4096);
            }
          }
        }
        case CHECK_EXCLUSIVE -> {
          for (long p = 0; p < pages && !r.failed(); p++) {
            if (keptAtomic.contains(address + p * 4096)) {
              return SysResult.error(io.hmmfuzz.core.Errno.EPERM, 1); // dmirror_check_atomic finds it
            }
          }
        }
        case READ, SNAPSHOT -> { } // a device read keeps atomic entries; a snapshot changes nothing
        default -> changed();
      }
      return r;
    }
    if (bug == Bug.SECOND_EXCLUSIVE_KEEPS_FIRST) {
      return exclusiveKeepingFirst(device, command, address, pages, buffer);
    }
    if (bug != Bug.DEVICE_KEEPS_PAGE_AFTER_TRUNCATE) {
      return real.device(device, command, address, pages, buffer);
    }
    // The buggy mirror is device 0's (the device views read through it); device 1's is correct.
    if (device == 0 && command == DeviceCommand.READ && pages == 1 && mirror.containsKey(address)) {
      byte[] kept = mirror.get(address);
      System.arraycopy(kept, 0, buffer, 0, kept.length);
      return SysResult.ok(1);
    }
    if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT) {
      changed();
    }
    SysResult r = real.device(device, command, address, pages, buffer);
    if (device == 0 && command == DeviceCommand.READ && pages == 1 && !r.failed()) {
      mirror.put(address, buffer.clone());
    }
    return r;
  }

  /**
   * The RELEASE bug: a release through {@code device} first looks up which pages of the program's
   * mappings live in that device's memory (SNAPSHOT, which faults nothing: 0x20 DEV_PRIVATE_LOCAL), and
   * its mirror keeps an entry for each, reading zeros (the freed backing page); reads through the mirror
   * return those. Any other device command over them but a snapshot or a check invalidates them, as a
   * correct kernel's notifiers would have, and so does a change of the mapping or the file.
   */
  private SysResult releaseKeepingMirror(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
    if (command == DeviceCommand.RELEASE) {
      List<Long> onDevice = new ArrayList<>();
      for (Mapping m : mappings) {
        int n = (int) (m.length / 4096);
        byte[] perm = new byte[n];
        if (!real.device(device, DeviceCommand.SNAPSHOT, m.address, n, perm).failed()) {
          for (int i = 0; i < n; i++) {
            if ((perm[i] & 0xf0) == 0x20) {
              onDevice.add(m.address + i * 4096L);
            }
          }
        }
      }
      SysResult r = real.device(device, command, address, pages, buffer);
      if (!r.failed()) {
        onDevice.forEach(p -> released.get(device).put(p, new byte[4096]));
      }
      return r;
    }
    if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT && command != DeviceCommand.CHECK_EXCLUSIVE) {
      mirrorsInvalidated(address, pages * 4096);
    }
    SysResult r = real.device(device, command, address, pages, buffer);
    if (command == DeviceCommand.READ && !r.failed()) {
      for (Map.Entry<Long, byte[]> e : released.get(device).entrySet()) {
        long at = e.getKey() - address;
        if (at >= 0 && at + 4096 <= pages * 4096) {
          System.arraycopy(e.getValue(), 0, buffer, (int) at, 4096);
        }
      }
    }
    return r;
  }

  /**
   * The EXCLUSIVE bug: an exclusive access through {@code device} first asks the other device's mirror
   * which pages of the range it holds exclusively (CHECK_EXCLUSIVE, page by page), and where the access
   * succeeds, that mirror keeps them: its CHECK_EXCLUSIVE over any of them answers EPERM. A read through
   * either mirror uses the atomic entries without a fault (dmirror_do_read) and keeps them, and so does a
   * release (it moves device-private pages only); a CPU access of the page, any other device command
   * over it, or a change of the mapping or the file drops them.
   */
  private SysResult exclusiveKeepingFirst(int device, DeviceCommand command, long address, long pages, byte[] buffer) {
    int other = io.hmmfuzz.core.exec.DeviceMemory.partner(device);
    if (command == DeviceCommand.EXCLUSIVE) {
      List<Long> held = new ArrayList<>();
      for (long p = 0; p < pages; p++) {
        SysResult c = real.device(other, DeviceCommand.CHECK_EXCLUSIVE, address + p * 4096, 1, new byte[4096]);
        if (c.failed() && c.errno() == io.hmmfuzz.core.Errno.EPERM) {
          held.add(address + p * 4096);
        }
      }
      cpuAccessed(address, pages * 4096); // the write faults of its get_user_pages
      SysResult r = real.device(device, command, address, pages, buffer);
      if (!r.failed()) {
        ghosts.get(other).addAll(held);
      }
      return r;
    }
    if (command == DeviceCommand.CHECK_EXCLUSIVE) {
      SysResult r = real.device(device, command, address, pages, buffer);
      boolean kept = ghosts.get(device).stream().anyMatch(p -> p >= address && p < address + pages * 4096);
      return !r.failed() && kept ? SysResult.error(io.hmmfuzz.core.Errno.EPERM, 1) : r;
    }
    if (command != DeviceCommand.READ && command != DeviceCommand.SNAPSHOT && command != DeviceCommand.RELEASE) {
      cpuAccessed(address, pages * 4096); // a write fault, or a migration's notifier over the range
    }
    return real.device(device, command, address, pages, buffer);
  }

  @Override
  public Prot protectionAt(long address) {
    return real.protectionAt(address);
  }

  @Override
  public String toString() {
    return "linux with planted bug " + bug;
  }
}
