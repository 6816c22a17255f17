package io.hmmfuzz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VmCampaignTests {
  @Test
  void aGuestJvmThatDiedIsNamedByItsSignalNotLumpedWithKernelCrashes() {
    List<String> head = List.of("guest JVM fatal error report (hs_err_pid46.log):", "#",
        "# A fatal error has been detected by the Java Runtime Environment:", "#",
        "#  SIGILL (0x4) at pc=0x00007f5e99794d65, pid=46, tid=47", "#",
        "# Problematic frame:", "# J 1331 c1 io.hmmfuzz.core.model.Cells.set(IBI)V (22 bytes)");
    assertEquals("crash:jvm-SIGILL", VmCampaign.jvmSignature(head).text());
    assertEquals("crash:jvm-fatal-error", VmCampaign.jvmSignature(List.of("# Out of Memory Error (os_linux.cpp:123)")).text());
    assertTrue(VmCampaign.diedInCompiledJava(head));
  }

  /** Only a death in JIT-compiled Java code is the JVM's own for sure; one in the VM or native code is not. */
  @Test
  void aDeathInTheVmOrNativeCodeIsNotTakenForCompiledJava() {
    assertFalse(VmCampaign.diedInCompiledJava(List.of("# Problematic frame:",
        "# V  [libjvm.so+0x8b1c2e]  G1ParScanThreadState::trim_queue()")));
    assertFalse(VmCampaign.diedInCompiledJava(List.of("# Problematic frame:", "# C  [libc.so.6+0x15d1a8]")));
    assertFalse(VmCampaign.diedInCompiledJava(List.of("#  SIGSEGV (0xb) at pc=0x0")));
  }

  @Test
  void aReproducerNamedRelativeToTheHostsDirectoryIsFoundInTheGuest() {
    CommandLine.ParseResult parsed = new CommandLine(new Main())
        .parseArgs("replay", "--target", "vm", "--kernel", "bz", "--fs", "xfs", "lv/cpu-cow.repro").subcommand();
    String abs = Path.of("lv/cpu-cow.repro").toAbsolutePath().toString();
    String kernel = Path.of("bz").toAbsolutePath().toString();
    assertEquals(List.of("replay", "--target", "vm", "--kernel", kernel, "--fs", "xfs", abs),
        TargetOptions.withAbsolutePaths(parsed));
  }

  /** So is a path given as an option's value (the guest starts in another directory). */
  @Test
  void aKnownDirectoryNamedRelativeToTheHostsDirectoryIsFoundInTheGuest() {
    CommandLine.ParseResult parsed = new CommandLine(new Main())
        .parseArgs("selftest", "--target", "vm", "--kernel", "/k/bz", "--known", "corpus/reproducers").subcommand();
    assertEquals(List.of("selftest", "--target", "vm", "--kernel", "/k/bz", "--known",
        Path.of("corpus/reproducers").toAbsolutePath().toString()), TargetOptions.withAbsolutePaths(parsed));
  }

  /** A guest that dies before its summary is counted from its last status line, divergences included. */
  @Test
  void theStatusLineOfAGuestCampaignGivesProgramsOpsAndDivergences() {
    String line = String.format(FuzzCommand.STATUS_LINE, 411.2, 1038L, 41461L, 100.9, 1);
    java.util.regex.Matcher m = VmCampaign.STATUS.matcher(line);
    org.junit.jupiter.api.Assertions.assertTrue(m.find(), line);
    assertEquals(List.of("1038", "41461", "1"), List.of(m.group(1), m.group(2), m.group(3)));
  }
}
