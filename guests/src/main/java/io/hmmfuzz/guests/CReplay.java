package io.hmmfuzz.guests;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.KernelReport;
import io.hmmfuzz.core.exec.TargetUnavailableException;
import io.hmmfuzz.linux.ExecutorLink;
import io.hmmfuzz.vm.GuestTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs standalone C reproducers' static binaries ({@code hmmfuzz export-c}) in a fresh guest: the guest
 * gets each through its writable share, makes a scratch filesystem of its kind as a campaign's guest
 * does (once per kind), and its executor runs the binary with that filesystem's directory as argument.
 */
public final class CReplay {
  private CReplay() {}

  /** A binary, and the filesystem kind it runs on. */
  public record Job(Path binary, FsKind kind) {}

  /**
   * What a binary did: its exit status and output (or, where the guest died or stopped answering
   * during it, exit -1 and why), and the kernel reports the guest's console showed meanwhile; or, where
   * {@code ran} is false, that it was not run (exit 3, the infrastructure's failure) and why.
   */
  public record Result(Job job, int exit, String output, List<KernelReport> consoleReports, boolean ran) {
    public Result(Job job, int exit, String output, List<KernelReport> consoleReports) {
      this(job, exit, output, consoleReports, true);
    }

    /** A job not run because no guest could run it: {@code why}. */
    static Result notRun(Job job, String why) {
      return new Result(job, 3, "not run: " + why + "\n", List.of(), false);
    }
  }

  /**
   * Boots {@code kernel} and runs each job in turn, each on a scratch filesystem of its kind (one at a
   * time: the -dax kinds share the guest's pmem; jobs of one kind in a row share theirs). A job that
   * ends the guest (a kernel oops, a hang) has its result, and a fresh guest runs the rest.
   */
  public static List<Result> inGuest(Path kernel, List<Job> jobs, Duration hangTimeout) throws IOException {
    List<Result> out = new ArrayList<>();
    while (out.size() < jobs.size()) {
      int before = out.size();
      try {
        inOneGuest(kernel, jobs.subList(before, jobs.size()), hangTimeout, out);
      } catch (InfrastructureException | TargetUnavailableException e) {
        if (before == 0) {
          throw e; // the first guest: nothing ran, the caller says why
        }
        // The results so far stand; the rest are not run, saying why (the infrastructure's failure).
        for (Job job : jobs.subList(out.size(), jobs.size())) {
          out.add(Result.notRun(job, "a fresh guest for it failed: " + e.getMessage()));
        }
      }
      if (out.size() == before) {
        Job job = jobs.get(before);
        out.add(Result.notRun(job, "the guest ended while it made its " + job.kind().id() + " filesystem"));
      }
    }
    return out;
  }

  /** Runs {@code jobs} in one guest of {@code kernel} until they end or one ends the guest; results to {@code out}. */
  private static void inOneGuest(Path kernel, List<Job> jobs, Duration hangTimeout, List<Result> out)
      throws IOException {
    try (QemuGuest guest = QemuGuest.boot(kernel, hangTimeout)) {
      GuestTarget target = null;
      try {
        int n = 0;
        for (Job job : jobs) {
          try {
            if (target == null || target.capabilities().fs() != job.kind()) {
              if (target != null) {
                target.close();
                target = null;
              }
              target = (GuestTarget) guest.target(job.kind());
            }
            if (target.rearmsOneShotReports()) {
              // As before every program hmmfuzz runs in a guest (the kernel is the tool's own): a
              // WARN_ON_ONCE an earlier job fired fires again.
              target.guest().link().rearmWarnOnce();
            }
          } catch (TargetUnavailableException e) {
            out.add(new Result(job, 4, "SKIP: " + e.getMessage() + "\n", List.of()));
            continue;
          } catch (InfrastructureException e) {
            // The guest ended while it made the job's filesystem: the job runs in the next guest.
            guest.ending(e);
            target = null;
            return;
          }
          int before = target.guest().consoleReports().size();
          Path copy = target.guest().share().resolve("repro-" + n++);
          Files.copy(job.binary(), copy, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
          try {
            ExecutorLink.ToolRun run = target.guest().link().run(List.of(copy.toString(), target.root().toString()));
            List<KernelReport> all = target.guest().consoleReports();
            out.add(new Result(job, run.exit(), run.output(), List.copyOf(all.subList(before, all.size()))));
          } catch (InfrastructureException e) {
            Ending end = guest.ending(e);
            if (!(end instanceof Ending.Died) && !(end instanceof Ending.Hung)) {
              throw e;
            }
            List<KernelReport> reports = end instanceof Ending.Died d ? d.reports() : ((Ending.Hung) end).reports();
            out.add(new Result(job, -1, "the guest " + (end instanceof Ending.Hung ? "stopped answering" : "died")
                + " during the program\n", reports));
            target = null;
            return;
          } finally {
            Files.deleteIfExists(copy);
          }
        }
      } finally {
        if (target != null) {
          target.close();
        }
      }
    }
  }
}
