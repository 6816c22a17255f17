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
 * exact typed signature; a kernel report (a WARNING, an Oops, named by where in the code it fired) is
 * known on every filesystem of the same kernel series, where it is the same code's report (a test_hmm
 * one only where test_hmm is), and so is a divergence of a program that uses no file (anonymous memory
 * alone). A reproducer saved before signatures were typed ({@code file-view:data}) names
 * a class of mismatch, not a culprit: it is reported and masks nothing. Read once ({@link #read}), it
 * answers for each target it meets (a campaign across guests asks for every boot and every crash).
 */
public final class KnownFindings {
  private final Path source;
  private final List<Path> files;
  private final List<Reproducer> reproducers;

  private KnownFindings(Path source, List<Path> files, List<Reproducer> reproducers) {
    this.source = source;
    this.files = List.copyOf(files);
    this.reproducers = List.copyOf(reproducers);
  }

  /** Every reproducer of a file or directory, parsed (a syntax error names its file, line and column). */
  public static KnownFindings read(Path fileOrDir) throws IOException, ReproducerSyntaxException {
    if (!java.nio.file.Files.exists(fileOrDir)) {
      throw new ReproducerSyntaxException(fileOrDir.toString(), 1, 1, "no such file or directory (--known)");
    }
    List<Path> files = Corpus.list(fileOrDir);
    List<Reproducer> reproducers = new ArrayList<>();
    for (Path f : files) {
      reproducers.add(Corpus.load(f));
    }
    return new KnownFindings(fileOrDir, files, reproducers);
  }

  public static List<Campaign.Known> load(Path fileOrDir, Capabilities caps, Consumer<String> notes)
      throws IOException, ReproducerSyntaxException {
    return read(fileOrDir).on(caps, notes);
  }

  /** The known findings for a target with {@code caps}; {@code notes} gets which, and the untyped ones. */
  public List<Campaign.Known> on(Capabilities caps, Consumer<String> notes) {
    List<Campaign.Known> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Reproducer r = reproducers.get(i);
      Path f = files.get(i);
      if (!(r.expectsDivergence() || r.flaky()) || r.get("signature") == null) {
        continue;
      }
      Signature s = Signature.parse(r.get("signature"));
      if (s != null && s.view() == Signature.View.HANG) {
        continue; // a hang names no code or rule: as a known finding it would hide every other hang
      }
      boolean report = s != null && s.view() == Signature.View.KERNEL && r.sameKernelSeries(caps)
          && (caps.testHmm() || !r.capabilities().testHmm());
      // A program of anonymous memory alone (no file) does the same on every filesystem: the scratch
      // filesystem is not in it.
      boolean noFile = s != null && r.program().ops().stream().allMatch(op -> op.files().isEmpty())
          && r.sameKernelSeries(caps) && (caps.testHmm() || !r.capabilities().testHmm());
      if (!r.runsOn(caps) && !report && !noFile) {
        continue;
      }
      if (s == null) {
        notes.accept("known: " + f + " has an untyped signature (" + r.get("signature")
            + ", saved before signatures named the culprit): it masks nothing; replay or shrink it to re-sign it");
      } else {
        out.add(new Campaign.Known(s, f.toString()));
      }
    }
    notes.accept("known findings (" + source + "): " + (out.isEmpty() ? "none for this kernel series, filesystem"
        + " and capabilities (kernel reports: of this kernel series)" : out.stream().map(k -> k.signature().text()).distinct().toList()));
    return out;
  }

  /** The file of the known finding with exactly {@code signature} for a target with {@code caps}, or null. */
  public String fileOf(Signature signature, Capabilities caps) {
    for (Campaign.Known k : on(caps, note -> {})) {
      if (k.signature().equals(signature)) {
        return k.file();
      }
    }
    return null;
  }
}
