package io.hmmfuzz.guests;

import static io.hmmfuzz.guests.FakeBoots.program;
import static io.hmmfuzz.guests.FakeBoots.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.InFlight;
import io.hmmfuzz.gen.KnownFindings;
import io.hmmfuzz.gen.Profile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A campaign across boots, with scripted guests: what it counts, saves, merges and calls a failure. */
class GuestCampaignTests {
  static final Program P = program("open f0 size=0x1000\nmmap m0 file=f0 offset=0x0 length=0x1000 prot=rw"
      + " sharing=shared sync=false\nstore m0 offset=0x0 length=0x10\n");
  static final Program Q = program("open f0 size=0x2000\nftruncate f0 size=0x1\n");
  static final String OOPS = "BUG: unable to handle page fault for address: ffff in dmirror_do_read";

  /** What the campaign told, in order. */
  static class Told implements GuestCampaign.Listener {
    final List<String> progress = new ArrayList<>();
    final List<GuestCampaign.Fatality> deaths = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    int statuses;

    @Override
    public void status(Campaign.Stats stats) {
      statuses++;
    }

    @Override
    public void finding(Campaign.Finding finding) {}

    @Override
    public void progress(String line) {
      progress.add(line);
    }

    @Override
    public void died(GuestCampaign.Fatality fatality) {
      deaths.add(fatality);
    }

    @Override
    public void infrastructure(String why, List<String> consoleTail) {
      failures.add(why);
    }
  }

  static GuestCampaign.Settings settings(Path out, KnownFindings known) {
    return new GuestCampaign.Settings(FsKind.TMPFS, Profile.standard(), List.of(), 42, Duration.ofHours(1), 8, 3, 5000,
        Duration.ofMinutes(3), out, known);
  }

  /** Runs until the script's last boot has run (it must be one that finishes). */
  static GuestCampaign.Result run(Path out, KnownFindings known, FakeBoots boots, Told told) throws IOException {
    return GuestCampaign.run(settings(out, known), boots, told, () -> boots.left() == 0);
  }

  static List<Path> reproducers(Path out) throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return s.filter(f -> f.toString().endsWith(Corpus.SUFFIX)).sorted().toList();
    }
  }

  @Test
  void aCampaignAcrossBootsMergesTheirSummariesAndCountsTheBoots(@TempDir Path out) throws Exception {
    String x = "clone/file-view/stale/R22";
    String y = "reflink/file-view/bytes-of-store/R22";
    FakeBoots boots = new FakeBoots(new FakeBoots.Finishes(10, 100, List.of(x)),
        new FakeBoots.Finishes(5, 50, List.of(y), Map.of(x, 2L)), new FakeBoots.Finishes(1, 10, List.of()));
    Told told = new Told();
    GuestCampaign.Result r = run(out, null, boots, told);

    assertFalse(r.infrastructureFailure());
    CampaignSummary s = r.summary();
    assertEquals(3, s.vm().boots());
    assertEquals(List.of(2.5, 2.5, 2.5), s.vm().bootSeconds());
    assertEquals(16, s.programs());
    assertEquals(160, s.ops());
    assertEquals(Map.of("load:ok", 160L), s.outcomes());
    assertEquals(Map.of("store", Map.of("load", 16L)), s.met(), "the boots' op pairs add up");
    assertEquals(List.of(x, y), s.findings().stream().map(CampaignSummary.Found::signature).toList());
    assertEquals(2, s.findings().get(0).others(), "the second boot's repeats count for the first boot's finding");
    assertEquals(2, s.divergences());
    assertEquals(2, s.repeats());
    assertTrue(s.known().isEmpty(), "an earlier boot's finding is not a known one: " + s.known());
    assertTrue(s.finished());
    assertEquals("vm: fake guest", s.target());
    assertEquals(s, SummaryFile.read(out), "summary.json holds the merged summary");
    // Each boot gets the signatures saved before it: counted there, not shrunk again.
    List<Signature> first = ((Guest.CampaignPart) boots.work.get(0)).earlier();
    List<Signature> third = ((Guest.CampaignPart) boots.work.get(2)).earlier();
    assertEquals(List.of(), first);
    assertEquals(List.of(Signature.parse(x), Signature.parse(y)), third);
    assertEquals(42, ((Guest.CampaignPart) boots.work.get(0)).seed(), "the first boot runs the campaign's seed");
    assertTrue(told.progress.get(0).startsWith("vm: boot 1, seed 42, "), told.progress.toString());
    assertEquals(3, told.statuses);
  }

  @Test
  void aGuestThatDoesNotBootIsAnInfrastructureFailureNotAFinding(@TempDir Path out) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.Finishes(10, 100, List.of()), new FakeBoots.FailsToBoot("no hello"));
    Told told = new Told();
    GuestCampaign.Result r = GuestCampaign.run(settings(out, null), boots, told, () -> false);

    assertTrue(r.infrastructureFailure(), "the campaign stops on it");
    assertEquals(1, told.failures.size());
    assertTrue(told.failures.get(0).contains("did not boot") && told.failures.get(0).contains("not a finding"),
        told.failures.toString());
    assertTrue(told.deaths.isEmpty());
    CampaignSummary s = r.summary();
    assertEquals(2, s.vm().boots(), "the failed boot is counted as a boot");
    assertEquals(1, s.vm().bootSeconds().size(), "but has no boot time");
    assertEquals(0, s.divergences());
    assertEquals(0, s.vm().crashes());
    assertEquals(10, s.programs());
    assertFalse(s.finished());
    assertEquals(s, SummaryFile.read(out));
    assertTrue(reproducers(out).isEmpty());
  }

  @Test
  void aGuestLostToSomethingElseThanTheKernelIsAnInfrastructureFailureToo(@TempDir Path out) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.IsLost(), new FakeBoots.Finishes(1, 1, List.of()));
    Told told = new Told();
    GuestCampaign.Result r = GuestCampaign.run(settings(out, null), boots, told, () -> false);

    assertTrue(r.infrastructureFailure());
    assertEquals(1, boots.boots, "no further boot");
    assertTrue(told.failures.get(0).contains("did not send"), told.failures.toString());
    assertEquals(0, r.summary().divergences());
    assertEquals(0, r.summary().vm().crashes());
  }

  @Test
  void aHangIsAHangFindingThatNamesItsProgramAndTheUnansweredRequest(@TempDir Path out) throws Exception {
    FakeBoots boots = new FakeBoots(new FakeBoots.HangsIn(P, "store"), new FakeBoots.HangsIn(Q, "load"),
        new FakeBoots.Finishes(3, 30, List.of()));
    Told told = new Told();
    GuestCampaign.Result r = run(out, null, boots, told);

    List<Path> saved = reproducers(out);
    assertEquals(1, saved.size(), "the second hang is a repeat, not saved again: " + saved);
    Reproducer hang = Corpus.load(saved.get(0));
    assertEquals("hang", hang.get("finding"));
    assertEquals("hang", hang.get("signature"));
    assertEquals(ProgramText.print(P), ProgramText.print(hang.program()), "the program in flight when it hung");
    assertEquals("8", hang.get("view-every"), "with the view interval it ran with");
    assertTrue(hang.notes().stream().anyMatch(n -> n.contains("left a store request unanswered")), hang.notes().toString());
    assertTrue(saved.get(0).getFileName().toString().startsWith("tmpfs-hang-hang-"), saved.toString());

    CampaignSummary s = r.summary();
    assertEquals(1, s.vm().hangs());
    assertEquals(0, s.vm().crashes());
    assertEquals(1, s.divergences());
    CampaignSummary.Found f = s.findings().get(0);
    assertEquals("hang", f.kind());
    assertEquals(saved.get(0).getFileName().toString(), f.file());
    assertEquals(P.size(), f.ops());
    assertEquals(1, f.others(), "the second hang counted for it");
    assertEquals(2, told.deaths.size());
    assertNotNull(told.deaths.get(0).saved());
    assertTrue(told.deaths.get(1).repeat());
    assertEquals(out.resolve(GuestCampaign.REPEATS), told.deaths.get(1).kept().getParent(), "the repeat's program is kept");
    // The next boot's campaign counts a hang as an earlier boot's finding.
    assertEquals(List.of(Signature.hang()), ((Guest.CampaignPart) boots.work.get(2)).earlier());
  }

  @Test
  void aCrashOfAKnownFindingIsCountedNotSavedAndANewOneIsSaved(@TempDir Path dir) throws Exception {
    Path knownDir = Files.createDirectories(dir.resolve("known"));
    Signature oops = Signature.kernel(OOPS);
    Corpus.save(knownDir, "kernel-6.1-tmpfs-dmirror-do-read-oops",
        InFlight.reproducer(Q, 1, FakeBoots.CAPS).with("signature", oops.text()).with("finding", "crash"));
    Path out = dir.resolve("out");
    String warning = "WARNING: CPU: 1 PID: 77 at lib/test_hmm.c:280 dmirror_fault";
    FakeBoots boots = new FakeBoots(new FakeBoots.DiesWith(report(OOPS), P),
        new FakeBoots.DiesWith(report(warning), P), new FakeBoots.Finishes(3, 30, List.of()));
    Told told = new Told();
    GuestCampaign.Result r = run(out, KnownFindings.read(knownDir), boots, told);

    CampaignSummary s = r.summary();
    assertEquals(1, s.known().size(), s.known().toString());
    assertEquals(oops.text(), s.known().get(0).signature());
    assertEquals(1, s.known().get(0).count());
    assertTrue(s.known().get(0).file().endsWith("kernel-6.1-tmpfs-dmirror-do-read-oops.repro"));
    assertEquals(List.of(Signature.kernel(warning).text()),
        s.findings().stream().map(CampaignSummary.Found::signature).toList(), "only the unknown crash is a finding");
    assertEquals(1, s.vm().crashes());
    List<Path> saved = reproducers(out);
    assertEquals(1, saved.size(), saved.toString());
    Reproducer crash = Corpus.load(saved.get(0));
    assertEquals("crash", crash.get("finding"));
    assertEquals(Signature.kernel(warning).text(), crash.get("signature"));
    assertTrue(crash.notes().stream().anyMatch(n -> n.contains("dmirror_do_read+0x40")), "with the report's excerpt");
    assertNull(told.deaths.get(0).saved());
    assertTrue(told.deaths.get(0).knownFrom().endsWith(".repro"));
    Path kept = told.deaths.get(0).kept();
    assertEquals(out.resolve(GuestCampaign.REPEATS), kept.getParent(), "the known crash's program is kept for triage");
    assertEquals(oops.text(), Corpus.load(kept).get("signature"));
    assertNull(told.deaths.get(1).kept(), "a new finding is saved, not kept");
  }

  /** A crash another worker of the campaign saved is a repeat of its finding here, not a new one. */
  @Test
  void aCrashAnotherWorkerSavedIsItsRepeat(@TempDir Path out) throws Exception {
    String title = "BUG: unable to handle page fault for address: ffff888000000000";
    Death died = Death.of(new Ending.Died(List.of(FakeBoots.report(title)), -1, FakeBoots.CONSOLE), DeathTests.HANG);
    Ledger ledger = new Ledger(42, "default", List.of(), 8, "tmpfs", 60);
    GuestCampaign.Fatality f = GuestCampaign.judge(settings(out, null), ledger, died, null,
        List.of(died.signature()));
    assertTrue(f.repeat(), f.toString());
    CampaignSummary s = ledger.summary(1, false);
    assertEquals(List.of(), s.findings());
    assertEquals(0, s.vm().crashes(), "no new crash finding");
    assertEquals(List.of(new CampaignSummary.KnownRepeat(died.signature().text(), "another worker of this campaign", 1)),
        s.known());
  }

  /** A summary.json written before known repeats had seenAs still reads (and resumes): none seen. */
  @Test
  void aSummaryWrittenBeforeKnownRepeatsHadSeenAsStillReads(@TempDir Path out) throws Exception {
    CampaignSummary now = new Ledger(42, "default", List.of(), 8, "tmpfs", 60).summary(1, false);
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(now)
        .replace("\"known\":[]", "\"known\":[{\"signature\":\"madvise/cpu-view/data/R66\",\"file\":\"x.repro\","
            + "\"count\":3}]");
    java.nio.file.Files.writeString(out.resolve(SummaryFile.NAME), json);
    CampaignSummary read = SummaryFile.read(out);
    assertEquals(List.of(new CampaignSummary.KnownRepeat("madvise/cpu-view/data/R66", "x.repro", 3)), read.known());
    assertEquals(java.util.Map.of(), read.known().get(0).seenAs());
  }
}
