package io.hmmfuzz.core.repro;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.FsKind;
import io.hmmfuzz.core.KernelVersion;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved program with its header: the first line {@code # hmmfuzz-reproducer key=value ...} records
 * the tool version, kernel release, filesystem, capabilities, seed, reproduction rate and what replay
 * expects ({@code expect=pass}: no divergence, a regression test; {@code expect=divergence}: a finding
 * not yet fixed). Further {@code #} lines before the first op are free notes (the report, the console
 * excerpt); op lines follow in {@link ProgramText}.
 */
public record Reproducer(Map<String, String> header, List<String> notes, Program program) {
  public static final String MAGIC = "hmmfuzz-reproducer";

  public Reproducer {
    header.forEach((k, v) -> {
      if (k.isEmpty() || (k + v).chars().anyMatch(c -> Character.isWhitespace(c) || c == '=' && k.indexOf(c) >= 0)) {
        throw new IllegalArgumentException("header entry '" + k + "=" + v + "' would not survive key=value parsing");
      }
    });
    header = Collections.unmodifiableMap(new LinkedHashMap<>(header));
    notes = List.copyOf(notes);
  }

  public String get(String key) {
    return header.get(key);
  }

  public String fs() {
    return header.getOrDefault("fs", "tmpfs");
  }

  /**
   * The capabilities recorded in the header (kernel, fs, page, block, caps), for running the model
   * alone; absent keys take the x86-64 defaults and "no".
   */
  public Capabilities capabilities() {
    List<String> caps = List.of(header.getOrDefault("caps", "").split(","));
    return new Capabilities(KernelVersion.parse(header.getOrDefault("kernel", "0.0.0")), FsKind.parse(fs()),
        Integer.parseInt(header.getOrDefault("page", "4096")), Integer.parseInt(header.getOrDefault("block", "4096")),
        caps.contains("reflink"), caps.contains("mapsync"), caps.contains("dax"), caps.contains("zerorange"), false,
        caps.contains("hmm"), !caps.contains("nomadvise"), caps.contains("coherent"));
  }

  /**
   * Whether the probed capabilities of a target match the ones this reproducer was made with; a finding
   * (expect=divergence or flaky) also needs the same kernel major.minor, since a later kernel may have
   * fixed it.
   */
  public boolean runsOn(Capabilities probed) {
    Capabilities mine = capabilities();
    boolean sameKernel = sameKernelSeries(probed);
    // A target with test_hmm's coherent devices runs what was made without them: the other devices and
    // every other rule are the same there (R121).
    Capabilities offered = mine.coherentDevices() ? probed : probed.withoutCoherentDevices();
    return probed.fs() == mine.fs() && probed.pageSize() == mine.pageSize() && probed.blockSize() == mine.blockSize()
        && offered.summary().equals(mine.summary()) && (sameKernel || !(expectsDivergence() || flaky()));
  }

  /** Whether a target runs the kernel major.minor this reproducer was made on. */
  public boolean sameKernelSeries(Capabilities probed) {
    Capabilities mine = capabilities();
    return probed.kernel().major() == mine.kernel().major() && probed.kernel().minor() == mine.kernel().minor();
  }

  /**
   * How often the views are checked when replaying: every op ({@code 1}) unless the header's
   * {@code view-every} says otherwise ({@code 0}: only after the last op), for findings that need the
   * views' own faults to stay away (a CPU view migrates device pages back).
   */
  public int viewEvery() {
    String v = header.get("view-every");
    return v == null ? 1 : Integer.parseInt(v);
  }

  /** A finding that depends on state outside the program (expect=flaky): replay may or may not diverge. */
  public boolean flaky() {
    return "flaky".equals(header.get("expect"));
  }

  /** Whether replay must see a divergence (an open finding) rather than none. */
  public boolean expectsDivergence() {
    return "divergence".equals(header.get("expect"));
  }

  public Reproducer with(String key, String value) {
    Map<String, String> h = new LinkedHashMap<>(header);
    h.put(key, value);
    return new Reproducer(h, notes, program);
  }

  public String render() {
    StringBuilder sb = new StringBuilder("# ").append(MAGIC);
    header.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    sb.append('\n');
    for (String n : notes) {
      for (String line : n.split("\n", -1)) {
        sb.append("#   ").append(line).append('\n');
      }
    }
    sb.append(ProgramText.print(program));
    return sb.toString();
  }

  public static Reproducer parse(String text, String fileName) throws ReproducerSyntaxException {
    String[] lines = text.split("\n", -1);
    if (lines.length == 0 || !lines[0].startsWith("# " + MAGIC)) {
      throw new ReproducerSyntaxException(fileName, 1, 1, "expected the header line '# " + MAGIC + " key=value ...'");
    }
    Map<String, String> header = new LinkedHashMap<>();
    String h = lines[0];
    int pos = ("# " + MAGIC).length();
    for (String tok : h.substring(pos).trim().split("\\s+")) {
      if (tok.isEmpty()) {
        continue;
      }
      int eq = tok.indexOf('=');
      if (eq <= 0) {
        throw new ReproducerSyntaxException(fileName, 1, h.indexOf(tok, pos) + 1,
            "expected key=value in the header, found '" + tok + "'");
      }
      header.put(tok.substring(0, eq), tok.substring(eq + 1));
    }
    List<String> notes = new ArrayList<>();
    for (int i = 1; i < lines.length && lines[i].startsWith("#"); i++) {
      String n = lines[i].substring(1);
      notes.add(n.startsWith("   ") ? n.substring(3) : n.strip());
    }
    return new Reproducer(header, notes.isEmpty() ? List.of() : List.of(String.join("\n", notes)),
        ProgramText.parse(text, fileName));
  }
}
