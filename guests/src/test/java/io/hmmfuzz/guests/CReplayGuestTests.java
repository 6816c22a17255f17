package io.hmmfuzz.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.linux.CReproducer;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * C reproducers of device-op and 6.1 findings run where they can: in a 6.1 guest with test_hmm (one
 * boot), built statically with -Wall -Werror and handed over through the guest's share. The 6.1 xfs
 * findings exit 1 with their recorded signature and byte table, the test_hmm WARNING is a kernel report
 * in the same words, and a passing device-op regression test exits 0. Skipped where the kernel built for
 * the corpus (HMMFUZZ_TEST_KERNEL_61, by default the cache's) or QEMU is not at hand.
 */
class CReplayGuestTests {
  static final Path CORPUS = Path.of("../corpus/reproducers");
  static final Path KERNEL = Path.of(System.getenv().getOrDefault("HMMFUZZ_TEST_KERNEL_61",
      "/var/cache/hmmfuzz/kernels/7edb84c54eebf603/bzImage"));
  static final List<String> FILES = List.of(
      "kernel-6.1-xfs-post-eof-store-leaks-on-extension-by-pwrite.repro",
      "kernel-6.1-xfs-post-eof-store-leaks-on-extension-after-zero-range.repro",
      "xfs-test-hmm-device-read-keeps-atomic-entry.repro",
      "kernel-6.1-tmpfs-test-hmm-device-write-to-readonly-device-page-warns.repro");

  @Test
  void findingsOf61DivergeInA61GuestAndADeviceRegressionTestPasses() throws Exception {
    assumeTrue(Files.isRegularFile(KERNEL), "no 6.1 test_hmm kernel at " + KERNEL);
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")), "no qemu-system-x86_64");
    assumeTrue(Files.isWritable(Path.of("/dev/kvm")), "no KVM: a TCG guest is too slow for the tests");
    Path work = ScratchFilesystem.workDirectory("ctest-vm");
    try {
      List<CReplay.Job> jobs = new ArrayList<>();
      List<Reproducer> reps = new ArrayList<>();
      for (String name : FILES) {
        Reproducer r = Corpus.load(CORPUS.resolve(name));
        Path c = work.resolve(name.replace(".repro", ".c"));
        Files.writeString(c, CReproducer.export(r, name));
        Path bin = work.resolve(name.replace(".repro", ""));
        CReproducer.compile(c, bin);
        jobs.add(new CReplay.Job(bin, r.capabilities().fs()));
        reps.add(r);
      }
      List<CReplay.Result> results = CReplay.inGuest(KERNEL, jobs, Duration.ofMinutes(2));
      assertEquals(FILES.size(), results.size());
      for (int i = 0; i < FILES.size(); i++) {
        Reproducer r = reps.get(i);
        CReplay.Result res = results.get(i);
        String why = FILES.get(i) + ":\n" + res.output();
        if (r.expectsDivergence()) {
          assertEquals(1, res.exit(), why);
          String sig = r.get("signature");
          if (sig.startsWith("kernel:")) {
            Matcher title = Pattern.compile("(?m)^  KERNEL REPORT: (.*)$").matcher(res.output());
            assertTrue(title.find(), why);
            assertEquals(sig, io.hmmfuzz.core.run.Signature.kernel(title.group(1)).text(), why);
          } else {
            assertTrue(res.output().contains("\n  signature: " + sig + "\n"), why);
            // The byte table as hmmfuzz recorded it (the actual byte's value aside: the tags changed since, and
            // older reports name no file after the writer).
            String note = r.notes().get(0);
            Matcher m = Pattern.compile("(?m)^\\s+(0x\\w+\\s+0x\\w+ \\(op \\d+ \\w+\\)\\s+)0x\\w\\w (\\(pattern of op \\d+ [\\w-]+)")
                .matcher(note);
            assertTrue(m.find(), "the recorded report has a byte table: " + note);
            assertTrue(Pattern.compile(Pattern.quote(m.group(1)) + "0x\\w\\w " + Pattern.quote(m.group(2)))
                .matcher(res.output()).find(), why);
          }
        } else {
          assertEquals(0, res.exit(), why);
          assertTrue(res.output().startsWith("OK " + FILES.get(i)), why);
        }
      }
    } finally {
      ScratchFilesystem.deleteTree(work);
    }
  }
}
