package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.linux.ExecutorLink;
import io.hmmfuzz.vm.GuestTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * Runs a standalone C reproducer's static binary ({@code hmmfuzz export-c}) in a fresh guest: the guest
 * gets it through its writable share, makes a scratch filesystem of the reproducer's kind as a campaign's
 * guest does, and its executor runs the binary with that filesystem's directory as its argument.
 */
public final class CReplay {
  private CReplay() {}

  /**
   * What the binary did: its exit status and output, and the kernel reports the guest's console showed
   * meanwhile (an Oops that killed the binary is there too).
   */
  public record Result(int exit, String output, List<KernelReport> consoleReports) {}

  /** Boots {@code kernel}, makes a {@code kind} scratch filesystem and runs {@code binary} on it. */
  public static Result inGuest(Path kernel, Path binary, FsKind kind, Duration hangTimeout) throws IOException {
    try (QemuGuest guest = QemuGuest.boot(kernel, hangTimeout)) {
      GuestTarget target = (GuestTarget) guest.target(kind);
      try {
        Path share = target.guest().share();
        Path copy = share.resolve("repro");
        Files.copy(binary, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        ExecutorLink.ToolRun run = target.guest().link().run(List.of(copy.toString(), target.root().toString()));
        return new Result(run.exit(), run.output(), target.guest().consoleReports());
      } finally {
        target.close();
      }
    }
  }
}
