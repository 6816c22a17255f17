package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.repro.ReproducerSyntaxException;
import io.hmmfuzz.core.run.Signature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The findings of a reproducer directory that are known for a target ({@code --known}): open findings
 * (expect=divergence or flaky) made on the same kernel series, filesystem and capabilities, each by its
 * exact typed signature. A reproducer saved before signatures were typed ({@code file-view:data}) names
 * a class of mismatch, not a culprit: it is reported and masks nothing.
 */
public final class KnownFindings {
  private KnownFindings() {}

  public static List<Campaign.Known> load(Path fileOrDir, Capabilities caps, Consumer<String> notes)
      throws IOException, ReproducerSyntaxException {
    if (!java.nio.file.Files.exists(fileOrDir)) {
      throw new ReproducerSyntaxException(fileOrDir.toString(), 1, 1, "no such file or directory (--known)");
    }
    List<Campaign.Known> out = new ArrayList<>();
    for (Path f : Corpus.list(fileOrDir)) {
      Reproducer r = Corpus.load(f);
      if (!(r.expectsDivergence() || r.flaky()) || !r.runsOn(caps) || r.get("signature") == null) {
        continue;
      }
      Signature s = Signature.parse(r.get("signature"));
      if (s == null) {
        notes.accept("known: " + f + " has an untyped signature (" + r.get("signature")
            + ", saved before signatures named the culprit): it masks nothing; replay or shrink it to re-sign it");
      } else {
        out.add(new Campaign.Known(s, f.toString()));
      }
    }
    notes.accept("known findings (" + fileOrDir + "): " + (out.isEmpty() ? "none for this kernel series, filesystem"
        + " and capabilities" : out.stream().map(k -> k.signature().text()).toList()));
    return out;
  }
}
