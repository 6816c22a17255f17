package io.hmmfuzz.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorProperties {
  static final Capabilities XFS = new Capabilities(KernelVersion.parse("6.18.44"), FsKind.XFS, 4096, 4096, true,
      false, false, true, true, false);
  static final Capabilities XFS_DAX_HMM = new Capabilities(KernelVersion.parse("6.1.192"), FsKind.XFS_DAX, 4096,
      4096, true, true, true, true, true, true);

  @Test
  void sameSeedSameProgramAndSeedsDiffer() {
    ProgramGenerator g = new ProgramGenerator(Profile.standard(), XFS);
    assertEquals(g.generate(42), g.generate(42));
    assertNotEquals(g.generate(42), g.generate(43));
  }

  @Test
  void generatedProgramsAreValidAndPrintParseIsTheIdentity() throws Exception {
    Map<OpKind, Integer> seen = new EnumMap<>(OpKind.class);
    for (Profile profile : Profile.all()) {
      // A guest's: every kind, system-wide ones (drop-caches) included.
      ProgramGenerator g = new ProgramGenerator(profile, XFS_DAX_HMM, true, true);
      for (long seed = 0; seed < 300; seed++) {
        Program p = g.generate(seed);
        assertEquals(java.util.List.of(), p.problems(), ProgramText.print(p));
        String text = ProgramText.print(p);
        assertEquals(p, ProgramText.parse(text, "gen"));
        assertEquals(text, ProgramText.print(ProgramText.parse(text, "gen")));
        p.ops().forEach(op -> seen.merge(op.kind(), 1, Integer::sum));
      }
    }
    for (OpKind k : OpKind.values()) {
      assertTrue(seen.getOrDefault(k, 0) > 20, "the generator rarely makes " + k.id() + ": " + seen);
    }
  }

  /**
   * System-wide ops (drop-caches, R120) only where the tool owns the kernel (a guest): never from the
   * two- and three-argument generators, which the local kernel's campaigns and bench throughput's floor
   * use, and whose programs stay what they were before drop-caches joined (its weight is 0 there, so no
   * draw changes).
   */
  @Test
  void systemWideOpsOnlyWhereTheToolOwnsTheKernel() {
    int guest = 0;
    for (Profile profile : List.of(Profile.standard(), Profile.device(), Profile.eof())) {
      ProgramGenerator local2 = new ProgramGenerator(profile, XFS_HMM);
      ProgramGenerator local3 = new ProgramGenerator(profile, XFS_HMM, true);
      ProgramGenerator local4 = new ProgramGenerator(profile, XFS_HMM, true, false);
      ProgramGenerator owned = new ProgramGenerator(profile, XFS_HMM, true, true);
      for (long seed = 0; seed < 200; seed++) {
        Program p = local2.generate(seed);
        assertTrue(p.ops().stream().noneMatch(op -> op.kind().systemWide()), ProgramText.print(p));
        assertEquals(p, local3.generate(seed));
        assertEquals(p, local4.generate(seed));
        guest += (int) owned.generate(seed).ops().stream().filter(op -> op.kind() == OpKind.DROP_CACHES).count();
      }
    }
    assertTrue(guest > 50, "a guest's programs rarely drop caches: " + guest);
  }

  @Test
  void deviceOpsOnlyWhereTestHmmIs() {
    ProgramGenerator g = new ProgramGenerator(Profile.standard(), XFS);
    for (long seed = 0; seed < 200; seed++) {
      assertTrue(g.generate(seed).ops().stream().noneMatch(op -> op.kind().device()));
    }
  }

  static final Capabilities XFS_HMM = new Capabilities(KernelVersion.parse("6.1.192"), FsKind.XFS, 4096, 4096, true,
      false, false, true, true, true);

  /** What a check sees of each op of a device-profile program: the model just before the op. */
  interface BeforeEachOp {
    void check(Program p, long seed, int i, io.hmmfuzz.core.model.Model m);
  }

  /** Runs {@code check} before each op of the device profile's programs of seeds 0..seeds-1, the model in lockstep. */
  static void deviceProgramsInLockstep(long seeds, BeforeEachOp check) {
    ProgramGenerator g = new ProgramGenerator(Profile.device(), XFS_HMM);
    for (long seed = 0; seed < seeds; seed++) {
      Program p = g.generate(seed);
      io.hmmfuzz.core.model.Model m = new io.hmmfuzz.core.model.Model(XFS_HMM);
      for (int i = 0; i < p.size(); i++) {
        check.check(p, seed, i, m);
        p.op(i).model(m, i);
      }
    }
  }

  /**
   * The device profile makes two devices compete for the same pages (R91-R93): device 1's ops, and
   * device ops over a page the other device holds (in its memory or exclusively), are common.
   */
  @Test
  void theDeviceProfileMakesTwoDevicesCompeteForPages() {
    int[] device1 = {0};
    int[] contended = {0};
    deviceProgramsInLockstep(300, (p, seed, i, m) -> {
      if (p.op(i) instanceof io.hmmfuzz.core.op.DevicePages d && d.pages() > 0 && d.offset() % 4096 == 0) {
        device1[0] += d.device();
        io.hmmfuzz.core.model.ModelMapping mm = m.liveMapping(d.map());
        if (mm != null && (m.holders(mm, d.offset() / 4096) & ~(1 << d.device())) != 0) {
          contended[0]++;
        }
      }
    });
    assertTrue(device1[0] > 1000, "device 1's ops: " + device1[0]);
    assertTrue(contended[0] > 50, "device ops over a page the other device may hold: " + contended[0]);
  }

  /**
   * R93's hazard: test_hmm Oopses on a read or write through a mirror that lost its entry for a page
   * still in its device's memory (after an mprotect, the other device's migration, or a notifier over the
   * mapping below, for a mapping's first page), or on a page of its device's memory after the first of a
   * multi-page read. The generator never makes one where the model says it may.
   */
  @Test
  void noReadOrWriteThroughAMirrorThatMayHaveLostItsEntry() {
    int[] checked = {0};
    deviceProgramsInLockstep(300, (p, seed, i, m) -> {
      if (p.op(i) instanceof io.hmmfuzz.core.op.DevicePages d
          && (d.command() == io.hmmfuzz.core.exec.DeviceCommand.READ
          || d.command() == io.hmmfuzz.core.exec.DeviceCommand.WRITE)) {
        io.hmmfuzz.core.model.ModelMapping mm = m.liveMapping(d.map());
        assertTrue(mm == null || !m.deviceRangeHazard(mm, d.offset() / 4096, d.pages(), d.device()),
            "op " + i + " of seed " + seed + ":\n" + ProgramText.print(p));
        for (int k = 0; mm != null && k < d.pages(); k++) {
          checked[0]++;
          assertTrue(d.command() != io.hmmfuzz.core.exec.DeviceCommand.WRITE
              || mm.prot().writable() && !m.forkProtected(mm, d.offset() / 4096 + k)
              || !m.maybeOnDevice(mm, d.offset() / 4096 + k, d.device()),
              "a write into a read-only device page, op " + i + " of seed " + seed + ":\n" + ProgramText.print(p));
        }
      }
    });
    assertTrue(checked[0] > 1000, "reads and writes checked: " + checked[0]);
  }

  /** A release goes through a device whose memory may hold pages, where one may, two times in three. */
  @Test
  void releasesGoThroughADeviceThatHoldsPages() {
    int[] holding = {0};
    int[] releases = {0};
    deviceProgramsInLockstep(2000, (p, seed, i, m) -> {
      int bits = m.devicesWithPages();
      if (p.op(i) instanceof io.hmmfuzz.core.op.Release r && bits != 0) {
        releases[0]++;
        holding[0] += (bits & (1 << r.device())) != 0 ? 1 : 0;
      }
    });
    assertTrue(releases[0] > 20, "releases while a device holds pages: " + releases[0]);
    assertTrue(holding[0] * 10 > releases[0] * 6, holding[0] + " of " + releases[0] + " through a device holding pages");
  }
}
