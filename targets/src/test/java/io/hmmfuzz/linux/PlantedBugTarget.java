package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.Kernel;
import io.hmmfuzz.core.exec.Target;

/** A Linux target whose sessions carry a planted bug. */
final class PlantedBugTarget implements Target {
  private final LinuxTarget real;
  private final PlantedBugKernel.Bug bug;

  PlantedBugTarget(LinuxTarget real, PlantedBugKernel.Bug bug) {
    this.real = real;
    this.bug = bug;
  }

  @Override
  public Capabilities capabilities() {
    return real.capabilities();
  }

  @Override
  public Session openSession() {
    Session s = real.openSession();
    Kernel k = new PlantedBugKernel(s.kernel(), bug);
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

  @Override
  public void close() {
    real.close();
  }
}
