package io.hmmfuzz.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Pages;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Tally;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which op kinds met on the same pages: {@link Pages} and {@link Tally#program}. */
class MeetingsTests {
  @Test
  void pagesMeetOnlyOnASharedPageOfTheSameFileOrAnonymousMapping() {
    FileId f0 = new FileId(0);
    Pages a = Pages.ofFile(f0, 0xff0, 0x1010);
    assertEquals(new Pages(f0, null, 0, 2), a);
    assertTrue(a.meets(Pages.ofFile(f0, 0x1fff, 0x2000)));
    assertFalse(a.meets(Pages.ofFile(f0, 0x2000, 0x2001)));
    assertFalse(a.meets(Pages.ofFile(new FileId(1), 0, 0x1000)));
    assertTrue(a.meets(Pages.ofFile(f0, 0x1000, Long.MAX_VALUE)), "to EOF and past");
    assertFalse(a.meets(new Pages(null, new MapId(0), 0, 2)), "a file's page is not an anonymous mapping's");
    assertTrue(new Pages(null, new MapId(0), 0, 2).meets(new Pages(null, new MapId(0), 1, 3)));
  }

  /**
   * A store, then a truncate below it, then a load that faults there: each met the ones before it on
   * the file's second page. The pwrite of the other file met nothing; the failed punch (EINVAL) did not
   * reach its pages; the open wrote the file's first bytes, so it met what came after on them; mmap and
   * close act on no pages of their own.
   */
  @Test
  void aProgramCountsEachOrderedPairThatMetOncePerProgram() throws Exception {
    Program p = ProgramText.parse("""
        open f0 size=0x2000
        open f1 size=0x0
        mmap m0 file=f0 offset=0x0 length=0x2000 prot=rw sharing=shared sync=false
        store m0 offset=0x1000 length=0x10
        store m0 offset=0x1010 length=0x10
        ftruncate f0 size=0x1000
        punch-hole f0 offset=0x1000 length=0x1000
        load m0 offset=0x1000 length=0x10
        pwrite f1 offset=0x1000 length=0x10
        close f0
        """, "t");
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      outcomes.add(p.op(i).kind().id().equals("punch-hole") ? Outcome.error(Errno.EINVAL, 22)
          : p.op(i).kind().id().equals("load") ? Outcome.signal(Signal.SIGBUS, 0, new byte[0]) : Outcome.ok(0));
    }
    Tally t = new Tally();
    t.program(p, outcomes);
    assertEquals(Map.of(
        "open", Map.of("store", 1L, "ftruncate", 1L, "load", 1L),
        "store", Map.of("store", 1L, "ftruncate", 1L, "load", 1L),
        "ftruncate", Map.of("load", 1L)), t.met());
    t.program(p, outcomes.subList(0, 6));
    assertEquals(Map.of("store", 2L, "ftruncate", 2L, "load", 1L), t.met().get("store"),
        "a program that diverged after op 5 counts the pairs before it");
  }

  @Test
  void anonymousPagesMeetWithinTheirMappingAndDeviceOpsSpanTheirPages() throws Exception {
    Program p = ProgramText.parse("""
        mmap m0 anon length=0x3000 prot=rw sharing=private
        mmap m1 anon length=0x3000 prot=rw sharing=private
        store m0 offset=0x2000 length=0x10
        store m1 offset=0x0 length=0x10
        migrate m0 offset=0x0 pages=0x2
        exclusive m0 offset=0x1000 pages=0x2
        """, "t");
    List<Outcome> ok = new ArrayList<>();
    p.ops().forEach(o -> ok.add(Outcome.ok(0)));
    Tally t = new Tally();
    t.program(p, ok);
    assertEquals(Map.of("store", Map.of("exclusive", 1L), "migrate", Map.of("exclusive", 1L)), t.met());
    Tally resumed = new Tally(Map.of(), t.met());
    resumed.program(p, ok);
    assertEquals(Map.of("store", Map.of("exclusive", 2L), "migrate", Map.of("exclusive", 2L)), resumed.met());
    assertEquals(resumed.met(), Tally.sum(t.met(), t.met()));
  }
}
