package io.hmmfuzz.guests;

import static io.hmmfuzz.guests.FakeBoots.program;
import static io.hmmfuzz.guests.FakeBoots.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.InFlight;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shrink across scripted guests: what it adopts, skips, gives up on, and how the result is replayed. */
class GuestShrinkTests {
  static final String OOPS = "BUG: unable to handle page fault for address: ffff in dmirror_do_read";
  static final String OTHER = "WARNING: CPU: 0 PID: 9 at mm/memory.c:2195 insert_pfn";
  static final Program P4 = program("open f0 size=0x2000\nftruncate f0 size=0x1000\npwrite f0 offset=0x0 length=0x10\n"
      + "fsync f0\n");
  static final Program P3 = program("open f0 size=0x2000\nftruncate f0 size=0x1000\npwrite f0 offset=0x0 length=0x10\n");
  static final Program P2 = program("open f0 size=0x2000\nftruncate f0 size=0x1000\n");

  /** What the shrink told. */
  static final class Told implements GuestShrink.Listener {
    final List<String> progress = new ArrayList<>();
    final List<String> problems = new ArrayList<>();

    @Override
    public void progress(String line) {
      progress.add(line);
    }

    @Override
    public void problem(String why, List<String> consoleTail) {
      problems.add(why);
    }
  }

  static GuestShrink.Result shrink(Path dir, FakeBoots boots, Told told, int attempts) throws Exception {
    Reproducer crash = InFlight.reproducer(P4, 1, FakeBoots.CAPS).with("signature", Signature.kernel(OOPS).text())
        .with("finding", "crash");
    Path input = Corpus.save(dir, "tmpfs-crash-oops", crash);
    return GuestShrink.run(new GuestShrink.Settings(input, crash, null, dir, 60, attempts, Duration.ofMinutes(2)),
        boots, told);
  }

  static String text(Program p) {
    return ProgramText.print(p);
  }

  @Test
  void aCandidateIsAdoptedOnlyWhenItKillsAFreshGuestTheSameWay(@TempDir Path dir) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.KilledBy(P3, report(OOPS)), new FakeBoots.KilledBy(P2, report(OTHER)),
        new FakeBoots.ShrinksTo(P3), new FakeBoots.DiesWith(report(OOPS), null), new FakeBoots.Finishes(0, 0, List.of()));
    Told told = new Told();
    GuestShrink.Result r = shrink(dir, boots, told, 2);

    List<Guest.ShrinkPart> parts = boots.work.stream().filter(w -> w instanceof Guest.ShrinkPart)
        .map(w -> (Guest.ShrinkPart) w).toList();
    assertEquals(3, parts.size());
    assertEquals(text(P4), text(parts.get(0).reproducer().program()));
    assertEquals(text(P3), text(parts.get(1).reproducer().program()), "the same signature: adopted, the next guest goes on from it");
    assertEquals(text(P3), text(parts.get(2).reproducer().program()), "another signature: not adopted");
    assertTrue(parts.get(2).notReproducing().contains(GuestShrink.key(text(P2))), "but skipped from then on");
    assertFalse(parts.get(1).notReproducing().contains(GuestShrink.key(text(P3))));
    assertEquals(Signature.kernel(OOPS), parts.get(0).signature());

    assertEquals(text(P3), text(r.program()));
    assertTrue(r.minimal());
    assertFalse(r.infrastructure());
    assertEquals(3, r.boots());
    assertEquals(1, r.reproduced(), "one of two fresh guests died the same way");
    assertEquals(2, r.attempts());
    Reproducer saved = Corpus.load(r.saved());
    assertEquals(dir.resolve("tmpfs-crash-oops-min" + Corpus.SUFFIX), r.saved());
    assertEquals("1/2", saved.get("reproduced"));
    assertEquals(text(P3), text(saved.program()));
    assertTrue(saved.notes().get(0).contains("1-minimal"), saved.notes().toString());
    assertTrue(told.progress.stream().anyMatch(l -> l.contains("killed guest 2 otherwise")), told.progress.toString());
  }

  @Test
  void candidatesThatRanHarmlesslyAreNotRunAgainInTheNextGuest(@TempDir Path dir) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.KilledBy(P3, report(OTHER), java.util.Set.of("abc")),
        new FakeBoots.ShrinksTo(P4));
    GuestShrink.Result r = shrink(dir, boots, new Told(), 0);
    Guest.ShrinkPart second = (Guest.ShrinkPart) boots.work.get(1);
    assertTrue(second.notReproducing().containsAll(List.of("abc", GuestShrink.key(text(P3)))), second.toString());
    assertEquals("0/0", Corpus.load(r.saved()).get("reproduced"));
  }

  @Test
  void guestsThatDieBeforeACandidateAreFailedStartsAndThreeEndTheShrink(@TempDir Path dir) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.KilledBy(P3, report(OOPS)), new FakeBoots.DiesWith(report(OOPS), null),
        new FakeBoots.DiesWith(report(OTHER), null), new FakeBoots.DiesWith(report(OOPS), null));
    Told told = new Told();
    GuestShrink.Result r = shrink(dir, boots, told, 3);

    assertTrue(r.infrastructure());
    assertFalse(r.minimal());
    assertEquals(4, r.boots());
    assertEquals(0, boots.left());
    assertEquals(text(P3), text(r.program()), "keeps what was shrunk so far");
    assertEquals(0, r.reproduced(), "no replays after guests stopped starting");
    assertEquals("0/3", Corpus.load(r.saved()).get("reproduced"));
    assertEquals(4, told.problems.size(), told.problems.toString());
    assertTrue(told.problems.get(3).contains("3 guests died before the shrink started"), told.problems.toString());
    assertTrue(Corpus.load(r.saved()).notes().get(0).contains("not 1-minimal: guests stopped starting"));
  }

  @Test
  void aGuestThatDoesNotBootEndsTheShrinkWithWhatItHas(@TempDir Path dir) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.KilledBy(P3, report(OOPS)), new FakeBoots.FailsToBoot("no hello"));
    Told told = new Told();
    GuestShrink.Result r = shrink(dir, boots, told, 5);

    assertTrue(r.infrastructure());
    assertEquals(text(P3), text(r.program()));
    assertEquals(2, r.boots());
    assertTrue(told.problems.get(0).contains("did not boot"), told.problems.toString());
  }
}
