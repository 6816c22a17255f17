package io.hmmfuzz.core.op;

import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.Execution;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;

/**
 * A write to /proc/sys/vm/drop_caches (R120, read in fs/drop_caches.c, mm/truncate.c and fs/inode.c of
 * 6.1.192 and 6.12.117): {@code what} is "1" (the page cache), "2" (slab objects: unused dentries and
 * inodes) or "3" (both). It drops only what can be read back unchanged: clean, unmapped, unlocked page-cache
 * folios (a mapped one, and so every page a device mirror holds, has the mapping's extra reference and
 * stays; dirty ones stay), and inodes no one holds. So no view changes and the model's state stays as it
 * is: the op checks that the kernel reads back what it dropped, and that what is mapped or mirrored stays.
 *
 * <p>System-wide: it drops the caches of the whole kernel, not the program's alone, so it is generated,
 * and run, only where the tool owns the kernel ({@link OpKind#systemWide}; a guest it booted). Programs
 * run as root, where the sysctl, mode 0200, can be written: it is generated only there, and the rule is
 * root's (as mlock's, R79).
 */
public record DropCaches(CacheDrop what) implements Op {
  @Override
  public Expected model(Model model, int index) {
    // As root (the op is generated only there; a reproducer's header does not record it): without root
    // the open of the mode-0200 sysctl is EACCES.
    return Expected.ok(0, "R120 drop_caches " + switch (what) {
      case PAGECACHE -> "1: invalidate_mapping_pages of every inode evicts clean, unmapped folios only (mapped,"
          + " mirrored and dirty ones stay; tmpfs's hold data only dirty, DAX has none); the files read back the same";
      case SLAB -> "2: drop_slab frees unused dentries and inodes only (open or mapped files keep theirs, and an"
          + " inode with page cache stays); the files read back the same";
      case BOTH -> "3: the page cache's clean, unmapped folios, then unused dentries and inodes; nothing mapped,"
          + " mirrored or dirty goes, and the files read back the same";
    });
  }

  @Override
  public Outcome execute(Execution x, int index) {
    return Outcome.of(x.kernel().dropCaches(what), true);
  }

  /** The weights of what is dropped when generated, in {@link CacheDrop} order: the page cache mostly. */
  private static final int[] WHAT_WEIGHTS = {2, 1, 2};

  /** Once the program has a file (a program without one has no page cache to drop); only as root (R120). */
  public static Op generate(Generation g) {
    if (!g.caps().root() || g.model().files().isEmpty()) {
      return null;
    }
    int pick = g.nextInt(WHAT_WEIGHTS[0] + WHAT_WEIGHTS[1] + WHAT_WEIGHTS[2]);
    for (CacheDrop w : CacheDrop.values()) {
      pick -= WHAT_WEIGHTS[w.ordinal()];
      if (pick < 0) {
        return new DropCaches(w);
      }
    }
    throw new IllegalStateException();
  }
}
