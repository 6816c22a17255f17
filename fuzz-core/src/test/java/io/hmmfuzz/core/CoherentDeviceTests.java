package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.exec.DeviceMemory;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.DevicePages;
import io.hmmfuzz.core.op.Generation;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * R121, test_hmm's devices 2 and 3 with device-coherent memory, against what 6.1.192 and 6.12.118 guests
 * did with the same steps (docs/semantics.md R121): the page stays in device memory through CPU loads
 * and stores, reads through any mirror, and shows in every mirror's snapshot.
 */
class CoherentDeviceTests {
  static Capabilities coherent() {
    return new Capabilities(KernelVersion.parse("6.1.192"), FsKind.TMPFS, 4096, 4096, false, false, false, false, true,
        true, true, true);
  }

  static final String ANON = "mmap m0 anon length=0x2000 prot=rw sharing=private\n";

  static Outcome snap(byte... perms) {
    return Outcome.ok(perms.length, perms);
  }

  @Test
  void aCoherentPageStaysOnItsDeviceThroughCpuAccessAndShowsLocalOrRemoteInEverySnapshot() throws Exception {
    List<Expected> e = ModelRuleTests.run(coherent(), ANON
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1 device=0x2\n"
        + "load m0 offset=0x0 length=0x1\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x2\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x3\n"
        + "snapshot m0 offset=0x0 pages=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x1 device=0x3\n"
        + "migrate-back m0 offset=0x0 pages=0x1 device=0x2\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x2\n");
    assertTrue(e.get(4).allows(snap((byte) 0x42)), "local, writable, after a CPU load (no migration back)");
    assertTrue(e.get(5).allows(snap((byte) 0x52)), "remote through the other coherent device");
    assertTrue(e.get(6).allows(snap((byte) 0x52)), "remote through a device-private one");
    assertFalse(e.get(4).allows(snap((byte) 0x52)), "never remote through its own device");
    assertFalse(e.get(4).allows(snap((byte) 0x22)), "never device-private");
    assertTrue(e.get(7).allows(Outcome.ok(0)));
    assertFalse(e.get(7).allows(Outcome.ok(1)), "R39: the other device selects only its own pages");
    assertTrue(e.get(8).allows(Outcome.ok(1)), "still on device 2 after the load");
    assertFalse(e.get(9).allows(snap((byte) 0x42)), "R39 brought it back");
  }

  @Test
  void aDevicePrivatePageStillComesBackOnACpuLoad() throws Exception {
    List<Expected> e = ModelRuleTests.run(coherent(), ANON
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1\n"
        + "load m0 offset=0x0 length=0x1\n"
        + "migrate-back m0 offset=0x0 pages=0x1\n");
    assertFalse(e.get(4).allows(Outcome.ok(1)), "R38: the load migrated it back");
  }

  @Test
  void forkAndMprotectLeaveACoherentPageOnItsDeviceReadOnly() throws Exception {
    List<Expected> e = ModelRuleTests.run(coherent(), ANON
        + "store m0 offset=0x0 length=0x1\n"
        + "migrate m0 offset=0x0 pages=0x1 device=0x2\n"
        + "fork m0 offset=0x0 length=0x1 store=false\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x2\n"
        + "mprotect m0 prot=r\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x3\n"
        + "release m0 offset=0x0 pages=0x1 device=0x2\n"
        + "snapshot m0 offset=0x0 pages=0x1 device=0x2\n");
    assertTrue(e.get(4).allows(snap((byte) 0x41)), "R113 write-protected by the fork, still on the device");
    assertFalse(e.get(4).allows(snap((byte) 0x42)));
    assertTrue(e.get(6).allows(snap((byte) 0x51)));
    assertFalse(e.get(8).allows(snap((byte) 0x41)), "R90: the release brought it back");
  }

  @Test
  void noCoherentPageIsAHazardForTheGenerator() throws Exception {
    Model m = new Model(coherent());
    for (Op op : ProgramText.parse(ANON + "store m0 offset=0x0 length=0x2000\n"
        + "migrate m0 offset=0x0 pages=0x2 device=0x2\n"
        + "mprotect m0 prot=r\n", "t").ops()) {
      op.model(m, 0);
    }
    assertFalse(m.deviceRangeHazard(m.liveMappings().get(0), 0, 2, 2),
        "R93 is a device-private hazard: hmm_range_fault reports a coherent page as an ordinary page");
  }

  /**
   * R121's hang: a coherent device's release while a page of its memory is held exclusive never returns
   * (6.1.192 and 6.12.118); the generator makes no release of a coherent device while a page may be in
   * its memory, and makes them again once the page is back.
   */
  @Test
  void noReleaseOfACoherentDeviceWhileAPageOfItMayBeHeldExclusive() throws Exception {
    Capabilities c = coherent();
    Model model = new Model(c);
    for (Op op : ProgramText.parse(ANON + "migrate m0 offset=0x0 pages=0x1 device=0x2\n"
        + "exclusive m0 offset=0x0 pages=0x1\n", "t").ops()) {
      op.model(model, 0);
    }
    assertTrue(model.releaseMayHang(2));
    assertFalse(model.releaseMayHang(3), "device 3's memory holds nothing");
    assertFalse(model.releaseMayHang(0), "device-private memory is never held exclusive");
    SplittableRandom rng = new SplittableRandom(11);
    for (int i = 0; i < 300; i++) {
      Op op = io.hmmfuzz.core.op.Release.generate(new Generation(rng, model, c, 0, 0, 0));
      assertTrue(op == null || ((DevicePages) op).device() != 2, String.valueOf(op));
    }
    ProgramText.parse(ANON + "migrate-back m0 offset=0x0 pages=0x1 device=0x2\n", "t").op(1).model(model, 2);
    assertTrue(model.releaseMayHang(2), "the page may stay behind its device-exclusive PTE");
    ProgramText.parse(ANON + "load m0 offset=0x0 length=0x1\n", "t").op(1).model(model, 3);
    ProgramText.parse(ANON + "migrate-back m0 offset=0x0 pages=0x1 device=0x2\n", "t").op(1).model(model, 4);
    assertFalse(model.releaseMayHang(2), "the load restored the PTE, and the migration back took the page");
  }

  /**
   * The device-exclusive PTE outlives the mirror's atomic entry: an mprotect (or the other device's
   * migration) erases the entry but leaves the PTE, and an EXCLUSIVE that fails with EBUSY leaves the
   * PTEs of the pages it took; a migrate-back does not collect such a page. The release stays avoided.
   */
  @Test
  void aDeviceExclusivePteThatNoMirrorMapsStillMakesTheReleaseHang() throws Exception {
    String file = "open f0 size=0x1\nmmap m0 file=f0 offset=0x0 length=0x2000" + ModelRuleTests.PRIVATE
        + "store m0 offset=0x0 length=0x1\nmigrate m0 offset=0x0 pages=0x1 device=0x2\n";
    for (String program : List.of(file + "exclusive m0 offset=0x0 pages=0x1\nmprotect m0 prot=r\n",
        file + "exclusive m0 offset=0x0 pages=0x2\n",
        file + "exclusive m0 offset=0x0 pages=0x1\nmigrate-back m0 offset=0x0 pages=0x1 device=0x2\n")) {
      Model model = new Model(coherent());
      List<Op> ops = ProgramText.parse(program, "t").ops();
      Expected last = null;
      for (Op op : ops) {
        last = op.model(model, 0);
      }
      assertTrue(model.releaseMayHang(2), program);
      if (program.endsWith("pages=0x2\n")) {
        assertTrue(last.allows(Outcome.error(Errno.EBUSY, 16)), "page 1 is past EOF: EBUSY, page 0 taken all the same");
      }
    }
  }

  @Test
  void theGeneratorNamesCoherentDevicesOnlyWhereTheTargetHasThem() throws Exception {
    for (boolean has : new boolean[] {false, true}) {
      Capabilities c = has ? coherent() : coherent().withoutCoherentDevices();
      int seen = 0;
      SplittableRandom rng = new SplittableRandom(7);
      for (int i = 0; i < 400; i++) {
        Model model = new Model(c);
        Generation g = new Generation(rng, model, c, 0, 0, 0);
        for (Op op : ProgramText.parse(ANON, "t").ops()) {
          op.model(model, 0);
        }
        Op op = io.hmmfuzz.core.op.Snapshot.generate(g);
        assertNotNull(op);
        seen |= 1 << ((DevicePages) op).device();
      }
      assertEquals(has ? 0b1111 : 0b0011, seen, "devices named with coherent devices " + has);
    }
  }

  @Test
  void aReproducerMadeWithoutCoherentDevicesRunsWhereThereAreSomeButNotTheOtherWayRound() throws Exception {
    Reproducer without = Reproducer.parse("# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 page=4096 block=4096 fs=tmpfs"
        + " caps=noreflink,nomapsync,nodax,nozerorange,hmm expect=pass\n" + ANON, "t");
    Reproducer with = Reproducer.parse("# hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 page=4096 block=4096 fs=tmpfs"
        + " caps=noreflink,nomapsync,nodax,nozerorange,hmm,coherent expect=pass\n" + ANON, "t");
    assertTrue(with.capabilities().coherentDevices());
    assertEquals("noreflink,nomapsync,nodax,nozerorange,hmm,coherent", coherent().summary());
    assertTrue(without.runsOn(coherent()));
    assertTrue(with.runsOn(coherent()));
    assertFalse(with.runsOn(coherent().withoutCoherentDevices()));
    assertEquals(DeviceMemory.COHERENT, DeviceMemory.of(3));
    assertEquals(DeviceMemory.PRIVATE, DeviceMemory.of(1));
  }
}
