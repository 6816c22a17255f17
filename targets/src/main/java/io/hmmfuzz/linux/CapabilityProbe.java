package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The capabilities of a scratch filesystem from evidence independent of the calls they decide (the
 * oracle never learns from the kernel under test): whether files are DAX from statx's STATX_ATTR_DAX on
 * a new file, else the mount's dax option (R26); MAP_SYNC exactly where files are DAX (R27); reflink
 * from the filesystem type and, for xfs, its reflink feature as xfs_info reads it from the superblock
 * (R19); zero range from the filesystem type (tmpfs's shmem_fallocate has none). A tmpfs with huge
 * pages is refused (U3). Whether the kernel
 * then really behaves so is tried by the probe programs ({@code Probes}): a contradiction is the
 * kernel's finding, not a capability. The same for the local kernel and for a guest's.
 */
public final class CapabilityProbe {
  private CapabilityProbe() {}

  /** What the probe asks of the machine whose kernel is under test. */
  public interface Machine {
    /** The mount table (/proc/self/mounts). */
    String mountTable();

    /** A directory's path with no symbolic links. */
    String realPath(Path dir);

    /**
     * statx's STATX_ATTR_DAX of a new empty file in {@code dir} (removed again); null where the kernel
     * does not report the attribute.
     */
    Boolean daxOfNewFile(Path dir);

    /** xfs_info's report on the xfs mounted at {@code mnt}. */
    String xfsInfo(Path mnt) throws IOException;

    int pageSize();

    int blockSize(Path dir);

    KernelVersion kernel();

    boolean root();

    boolean testHmm();

    /** The value of test_hmm's module parameter {@code name} ({@link HmmUapi#PARAMETERS}), or null where unreadable. */
    default String testHmmParameter(String name) {
      return null;
    }

    /** The running kernel's .config, or null where it cannot be found. */
    String kernelConfig();
  }

  /** The capabilities of the {@code kind} scratch filesystem at {@code root}; each one's evidence added to {@code evidence}. */
  public static Capabilities probe(FsKind kind, Path root, Machine m, List<String> evidence) {
    Mounts mount = Mounts.parse(m.mountTable(), m.realPath(root));
    if (kind == FsKind.TMPFS) {
      String huge = mount.option("huge");
      if (huge != null && !huge.equals("never") && !huge.equals("deny")) {
        throw new TargetUnavailableException("tmpfs at " + mount.mountPoint() + " uses huge pages (huge=" + huge
            + "): beyond-EOF faults inside a huge page are unspecified (U3); remount it with huge=never");
      }
    }
    Boolean statxDax = m.daxOfNewFile(root);
    String daxOption = mount.option("dax");
    boolean mountDax = mount.hasOption("dax") && (daxOption == null || daxOption.equals("always"));
    boolean dax = statxDax != null ? statxDax : mountDax;
    evidence.add("dax " + (dax ? "yes" : "no") + ": " + (statxDax != null
        ? "statx STATX_ATTR_DAX is " + (statxDax ? "set" : "clear") + " on a new file"
        : "statx reports no DAX attribute; mount options " + mount.options()) + " (R26)");
    evidence.add("MAP_SYNC " + (dax ? "yes" : "no") + ": accepted exactly on DAX files (R27)");
    boolean reflink = switch (kind) {
      case XFS, XFS_DAX, XFS_1K -> xfsReflink(m, root, evidence);
      case BTRFS -> {
        evidence.add("reflink yes: btrfs always has remap_file_range (R19)");
        yield true;
      }
      default -> {
        evidence.add("reflink no: " + kind.id() + " has no remap_file_range (R19)");
        yield false;
      }
    };
    boolean zeroRange = kind != FsKind.TMPFS;
    evidence.add("zero range " + (zeroRange ? "yes: " + kind.id() + " supports FALLOC_FL_ZERO_RANGE"
        : "no: shmem_fallocate takes only FALLOC_FL_PUNCH_HOLE"));
    Boolean advise = configured(m.kernelConfig(), "CONFIG_ADVISE_SYSCALLS");
    evidence.add("madvise " + (advise == null ? "yes: the kernel's config is not at hand, and every distribution kernel"
        + " has it" : advise ? "yes: CONFIG_ADVISE_SYSCALLS=y in the kernel's config"
        : "no: CONFIG_ADVISE_SYSCALLS is not set in the kernel's config (madvise(2) is ENOSYS, R60)"));
    boolean testHmm = m.testHmm();
    boolean coherent = testHmm
        && HmmUapi.coherentDevices(m.testHmmParameter("spm_addr_dev0"), m.testHmmParameter("spm_addr_dev1"));
    if (testHmm) {
      evidence.add("test_hmm device-coherent devices 2 and 3 " + (coherent ? "yes" : "no") + ": spm_addr_dev0 and"
          + " spm_addr_dev1 are " + (coherent ? "both set" : "not both set") + " (R121, " + HmmUapi.PARAMETERS + ")");
    }
    return new Capabilities(m.kernel(), kind, m.pageSize(), m.blockSize(root), reflink, dax, dax, zeroRange,
        m.root(), testHmm, advise == null || advise, coherent);
  }

  /** Whether the xfs at {@code mnt} has the reflink feature, from its superblock geometry (xfs_info). */
  private static boolean xfsReflink(Machine m, Path mnt, List<String> evidence) {
    String info;
    try {
      info = m.xfsInfo(mnt);
    } catch (IOException e) {
      throw new TargetUnavailableException("xfs_info " + mnt + " failed (" + e.getMessage()
          + "): it tells whether the xfs has reflink; apt-get install xfsprogs");
    }
    java.util.regex.Matcher r = java.util.regex.Pattern.compile("reflink=([01])").matcher(info);
    if (!r.find()) {
      throw new InfrastructureException("xfs_info " + mnt + " names no reflink feature:\n" + info);
    }
    boolean yes = r.group(1).equals("1");
    evidence.add("reflink " + (yes ? "yes" : "no") + ": xfs_info reports reflink=" + r.group(1) + " (R19)");
    return yes;
  }

  /** Whether {@code option} is set (=y or =m) in a kernel .config, false where it "is not set", null if unknown. */
  static Boolean configured(String config, String option) {
    if (config == null) {
      return null;
    }
    for (String l : config.lines().toList()) {
      if (l.startsWith(option + "=")) {
        return !l.endsWith("=n");
      }
      if (l.equals("# " + option + " is not set")) {
        return false;
      }
    }
    return null;
  }
}
