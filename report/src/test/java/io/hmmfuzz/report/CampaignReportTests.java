package io.hmmfuzz.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.Progress;
import io.hmmfuzz.guests.SummaryFile;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignReportTests {
  private static final String REPRO = """
      # hmmfuzz-reproducer tool=0.1.0 kernel=6.1.192 fs=xfs page=4096 block=4096 caps=reflink,nomapsync,nodax,zerorange,hmm reproduced=5/5 signature=pwrite/file-view/bytes-of-store/R9 expect=divergence
      #   DIVERGENCE at op 4 of 5: pwrite f0 offset=0x2002 length=0x1
      #       0x2001     0x00 (op 4 pwrite)           0x29 (pattern of op 3 store (f0))
      open f0 size=0x0
      mmap m0 file=f0 offset=0x2000 length=0x1 prot=rw sharing=shared sync=false
      zero-range f0 offset=0x5e3 length=0x1a1e keepSize=false
      store m0 offset=0x0 length=0x2
      pwrite f0 offset=0x2002 length=0x1
      """;

  @Test
  void aCampaignsReportShowsItsFindingsPlotsAndOutcomes(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("xfs-pwrite.repro"), REPRO);
    Progress p = Progress.NONE;
    for (int t = 0; t <= 600; t += 5) {
      p = p.plus(new Progress.Sample(t, 40L * t, 1600L * t, t < 300 ? 0 : 1));
    }
    CampaignSummary s = new CampaignSummary("0.1.0", 7, "default", List.of(), 8, "xfs", "vm: guest", "6.1.192",
        "reflink,nomapsync,nodax,zerorange,hmm", 600, true, 24000, 960000, 600, 1600, 1, 3,
        List.of(new CampaignSummary.Found("pwrite/file-view/bytes-of-store/R9", "divergence", "xfs-pwrite.repro", 5, "5/5",
            3, 12000)), List.of(new CampaignSummary.KnownRepeat("zero-range/file-view/bytes-of-store/R9", "corpus/x.repro",
            2)), Map.of("pwrite:ok", 100L, "load:SIGBUS", 7L, "mmap:ok", 9L), Map.of(), null, null, p,
        Map.of("store", Map.of("ftruncate", 5L), "ftruncate", Map.of("load", 1234L)));
    SummaryFile.write(dir, s);
    CampaignReport r = CampaignReport.of(dir);
    assertNotNull(r);
    CampaignReport.Written w = r.write();
    assertEquals(2, w.plots().size());
    for (Path png : w.plots()) {
      BufferedImage img = ImageIO.read(png.toFile());
      assertNotNull(img, png + " is not an image");
      assertEquals(900, img.getWidth());
    }
    String html = Files.readString(w.html());
    assertTrue(html.contains("pwrite/file-view/bytes-of-store/R9"));
    assertTrue(html.contains("0x29 (pattern of op 3 store (f0))"), "the byte table is shown");
    assertTrue(html.contains("zero-range f0 offset=0x5e3"), "the program is shown");
    assertTrue(html.contains("<th>SIGBUS</th>"), "the outcome counts are shown");
    assertTrue(html.contains("zero-range/file-view/bytes-of-store/R9"), "the known findings met are shown");
    assertTrue(html.contains("title=\"store then ftruncate: 5 programs\">5</td>"), "the pairs that met are shown");
    assertTrue(html.contains("title=\"ftruncate then load: 1,234 programs\">1.2k</td>"), html);
    assertTrue(html.contains("title=\"load then ftruncate: never\">"), "the pairs that never met are shown");
    assertTrue(html.contains("marks a pair that never met: 4 of 6. Never a later op, so not a column: store"), "and counted");
    assertTrue(html.contains("met no other op on any page (mmap and close act on none of their own): mmap, pwrite."));
    assertTrue(Files.readString(w.markdown()).contains("| ftruncate | . | 1.2k |"), Files.readString(w.markdown()));
    assertTrue(Files.readString(w.markdown()).contains("![throughput.png](throughput.png)"));
    String tap = r.tap();
    assertTrue(tap.startsWith("TAP version 13\n1..3\nok 1 hmmfuzz campaign ran 24000 programs"), tap);
    assertTrue(tap.contains("\nnot ok 2 finding pwrite/file-view/bytes-of-store/R9\n"), tap);
    assertTrue(tap.contains("\nok 3 known zero-range/file-view/bytes-of-store/R9 # SKIP known finding, met 2 times"), tap);
  }

  @Test
  void aLongCampaignsCourseStaysSmall() {
    Progress p = Progress.NONE;
    for (int t = 0; t < 36000; t += 5) {
      p = p.plus(new Progress.Sample(t, t, t, 0));
    }
    assertTrue(p.samples().size() <= Progress.MAX, p.samples().size() + " samples");
    assertTrue(p.samples().size() > Progress.MAX / 4, "thinned too far: " + p.samples().size());
    assertEquals(0, p.samples().get(0).seconds());
    assertEquals(35995, p.samples().get(p.samples().size() - 1).seconds());
  }
}
