package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.Target;

/** A Linux target (local or a guest's) whose sessions carry a planted bug. */
public final class PlantedBugTarget implements Target {
  private final KernelTarget real;
  private final PlantedBugKernel.Bug bug;

  public PlantedBugTarget(KernelTarget real, PlantedBugKernel.Bug bug) {
    this.real = real;
    this.bug = bug;
  }

  /**
   * The real target's, without test_hmm's device-coherent devices except for the coherent bug's hunt:
   * no other planted bug needs them, and a RELEASE of one can hang for good in the kernel (corpus
   * kernel-6.{1,12}-tmpfs-test-hmm-release-of-coherent-page-held-exclusive-hangs). The generator avoids
   * the trigger it knows (Model.releaseMayHang), but CI's selftest at 1d96d28 met another in
   * RELEASE_KEEPS_MIRROR's release-heavy hunt (wchan memunmap_pages), most likely a reference in the
   * other CPU's mlock batch (R121, corpus/c/), which the executor's one CPU now rules out; the hunts that
   * do not need the devices still leave them alone.
   */
  @Override
  public Capabilities capabilities() {
    Capabilities c = real.capabilities();
    return bug == PlantedBugKernel.Bug.COHERENT_MIGRATE_BACK_TAKES_OTHERS ? c : c.withoutCoherentDevices();
  }

  @Override
  public java.util.List<io.hmmfuzz.core.exec.KernelReport> kernelReports() {
    return real.kernelReports();
  }

  @Override
  public boolean forks() {
    return real.forks();
  }

  /**
   * The real target's, or true for {@link PlantedBugKernel.Bug#DROP_CACHES_ORPHANS_MAPPED_PAGES}: its
   * sessions emulate drop-caches in the decorator ({@link PlantedBugKernel#dropCaches}), which never
   * passes the op to the real kernel, so its hunts run on the local kernel too and change nothing there
   * but the program's own mappings. With every other bug drop-caches reaches the real kernel, so only a
   * guest's may get it.
   */
  @Override
  public boolean ownsKernel() {
    return real.ownsKernel() || bug == PlantedBugKernel.Bug.DROP_CACHES_ORPHANS_MAPPED_PAGES;
  }

  @Override
  public boolean rearmsOneShotReports() {
    return real.rearmsOneShotReports();
  }

  @Override
  public Session openSession() {
    Session s = real.openSession();
    Kernel k = new PlantedBugKernel(s.kernel(), bug, real::logToKernel);
    return new Session() {
      @Override
      public Kernel kernel() {
        return k;
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  @Override
  public String describe() {
    return real.describe() + " with planted bug " + bug;
  }

  /** Closes nothing: the real target belongs to the caller. */
  @Override
  public void close() {
  }
}
