package io.hmmfuzz.linux;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.Errno;
import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.InfrastructureException;
import io.hmmfuzz.core.exec.Views;
import io.hmmfuzz.core.model.Cells;
import io.hmmfuzz.core.model.Expected;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.op.DeviceRead;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Footprint;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.op.Tag;
import io.hmmfuzz.core.repro.ProgramText;
import io.hmmfuzz.core.repro.Reproducer;
import io.hmmfuzz.core.run.Program;
import io.hmmfuzz.core.run.Signature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code hmmfuzz export-c}: a reproducer as one self-contained C program (libc only) that runs the same
 * ops with the C executor's own op functions ({@code hmm_ops.h}, {@code hmm_program.h}, inlined as they
 * are), one statement per op, each taken from the op's case of {@code program_op} with its arguments as
 * literals, and checks each op's outcome and the views where hmmfuzz checks them against what the model
 * allows, computed here ({@code hmm_repro.h} compares and reports as the runner does).
 *
 * <p>The model's predictions do not depend on what the kernel did: the runner asks each op's rule before
 * it sees the op's outcome, and where the kernel may choose (writeback zeroing post-EOF bytes, pages the
 * device mirror may still hold) the rule allows each choice and keeps every one open in the model's
 * state. So the predictions computed here, along the one path the model takes, hold whatever the kernel
 * chose, and the C program judges every op of a run until the first mismatch, as hmmfuzz does.
 */
public final class CReproducer {
  private CReproducer() {}

  /** The filesystem magic of each filesystem type, by its name in {@code <linux/magic.h>}. */
  private static final Map<String, String> MAGIC = Map.of("tmpfs", "TMPFS_MAGIC", "xfs", "XFS_SUPER_MAGIC",
      "ext4", "EXT4_SUPER_MAGIC", "btrfs", "BTRFS_SUPER_MAGIC");

  /** The C program for {@code r}, named {@code name} (the .repro file) in its reports. */
  public static String export(Reproducer r, String name) {
    return new Writer(r, name).write();
  }

  /** Where the C program of a saved reproducer goes: FILE.c beside FILE.repro. */
  public static java.nio.file.Path besidePath(java.nio.file.Path repro) {
    String name = repro.getFileName().toString().replaceFirst("\\.repro$", "");
    return repro.resolveSibling(name + ".c");
  }

  /**
   * Writes the C program of the saved reproducer {@code repro} beside it (FILE.c, a temp file renamed
   * into place); the path, or null with the reason on {@code notes} where it cannot be exported (a
   * campaign goes on without it).
   */
  public static java.nio.file.Path saveBeside(java.nio.file.Path repro, java.util.function.Consumer<String> notes) {
    java.nio.file.Path c = besidePath(repro);
    try {
      Reproducer r = io.hmmfuzz.core.repro.Corpus.load(repro);
      io.hmmfuzz.core.repro.Corpus.replace(c, export(r, repro.getFileName().toString()).getBytes(StandardCharsets.UTF_8));
      return c;
    } catch (IOException | io.hmmfuzz.core.repro.ReproducerSyntaxException | RuntimeException e) {
      notes.accept("hmmfuzz: no C reproducer for " + repro + ": " + e.getMessage());
      return null;
    }
  }

  /** The flags a reproducer is built with: the tests' -Wall -Werror, static so that a guest can run it. */
  public static final List<String> CFLAGS = List.of("-O2", "-static", "-Wall", "-Werror");

  /** Builds the C program {@code source} into {@code binary} with the machine's gcc. */
  public static void compile(java.nio.file.Path source, java.nio.file.Path binary) {
    java.nio.file.Path gcc = ExecutorBuild.gcc();
    if (gcc == null) {
      throw new io.hmmfuzz.core.exec.TargetUnavailableException("gcc not found: apt-get install gcc libc6-dev");
    }
    List<String> cmd = new ArrayList<>(List.of(gcc.toString()));
    cmd.addAll(CFLAGS);
    cmd.addAll(List.of("-o", binary.toString(), source.toString()));
    StringBuilder out = new StringBuilder();
    try {
      Commands.run(cmd, null, java.time.Duration.ofMinutes(2), line -> out.append(line).append('\n'));
    } catch (IOException e) {
      throw new InfrastructureException("cannot build " + source + " (" + String.join(" ", cmd) + "): "
          + e.getMessage() + "\n" + out);
    }
  }

  private static final Pattern FS = Pattern.compile("(?m)^\\t\\.fs = \"([a-z0-9-]+)\",$");
  /** A hand-written C reproducer's first line (corpus/c): the scratch filesystem replay-c makes for it. */
  private static final Pattern HAND_WRITTEN = Pattern.compile("\\A/\\* hmmfuzz replay-c: fs=([a-z0-9-]+) \\*/\n");

  /**
   * The filesystem kind a C program written by {@link #export}, or a hand-written one whose first line is
   * {@code /}{@code * hmmfuzz replay-c: fs=KIND *}{@code /}, runs on; null for another program.
   */
  public static io.hmmfuzz.core.FsKind fsOf(String cProgram) {
    Matcher m = FS.matcher(cProgram);
    if (m.find()) {
      return io.hmmfuzz.core.FsKind.parse(m.group(1));
    }
    Matcher hand = HAND_WRITTEN.matcher(cProgram);
    return hand.find() ? io.hmmfuzz.core.FsKind.parse(hand.group(1)) : null;
  }

  private static final Pattern OP_KINDS =
      Pattern.compile("(?m)^static const char \\*const op_kind\\[\\] = \\{ (.*) \\};$");

  /**
   * The system-wide ops ({@link OpKind#systemWide}, e.g. drop-caches) a C program written by {@link #export}
   * makes, by name, each once: such a program changes the whole kernel it runs on, so hmmfuzz runs it only
   * in a guest it booted.
   */
  public static List<String> systemWideOps(String cProgram) {
    Matcher m = OP_KINDS.matcher(cProgram);
    List<String> out = new ArrayList<>();
    if (m.find()) {
      for (String quoted : m.group(1).split(", ")) {
        OpKind k = OpKind.byId(quoted.replace("\"", ""));
        if (k != null && k.systemWide() && !out.contains(k.id())) {
          out.add(k.id());
        }
      }
    }
    return out;
  }

  /** A source of the C executor from the jar. */
  static String source(String file) {
    try (InputStream in = CReproducer.class.getResourceAsStream("/io/hmmfuzz/executor/" + file)) {
      if (in == null) {
        throw new InfrastructureException("the C source " + file + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InfrastructureException("cannot read the C source " + file, e);
    }
  }

  private static final Pattern INCLUDE = Pattern.compile("(?m)^#include \"([^\"]+)\"\\n");

  /** {@code file} with its local includes replaced by their text, each once. */
  static String inline(String file, Map<String, String> sources, Set<String> done) {
    String text = sources.containsKey(file) ? sources.get(file) : source(file);
    Matcher m = INCLUDE.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String inc = m.group(1);
      String with = done.add(inc) ? "/* ---- " + inc + " ---- */\n" + inline(inc, sources, done) + "/* ---- end of "
          + inc + " ---- */\n" : "";
      m.appendReplacement(sb, Matcher.quoteReplacement(with));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static final class Writer {
    private final Reproducer r;
    private final String name;
    private final Program program;
    private final Capabilities caps;
    private final Map<String, String> defines = new HashMap<>();
    private final StringBuilder tables = new StringBuilder();
    private final Map<String, String> cellsNames = new HashMap<>();
    private int counter;

    Writer(Reproducer r, String name) {
      this.r = r;
      this.name = name;
      this.program = r.program();
      this.caps = r.capabilities();
      Matcher m = Pattern.compile("(?m)^#define (EXEC_\\w+) (-?\\d+)$").matcher(ExecutorProtocol.cHeader());
      while (m.find()) {
        defines.put(m.group(1), m.group(2));
      }
    }

    String write() {
      String fsType = caps.fs().type();
      String magic = MAGIC.get(fsType);
      if (magic == null) {
        throw new IllegalArgumentException("no filesystem magic known for " + fsType);
      }
      Map<String, String> sources = new LinkedHashMap<>();
      sources.put("executor_protocol.h", ExecutorProtocol.cHeader());
      Map<OpKind, String> cases = cases(source("hmm_program.h"));

      // main first (it fills the tables), then the file around it.
      StringBuilder main = new StringBuilder();
      main.append("int main(int argc, char **argv)\n{\n")
          .append("\tstruct program program, *p = &program;\n")
          .append("\tstruct outcome outcome, *o = &outcome;\n\n")
          .append("\trepro_start(p, &reproducer, argc, argv);\n");
      Model model = new Model(caps);
      Agreed agreed = new Agreed();
      int viewEvery = r.viewEvery();
      for (int i = 0; i < program.size(); i++) {
        Op op = program.op(i);
        String text = ProgramText.print(op);
        main.append("\n\t/* ").append(i).append(": ").append(text.replace("*/", "* /")).append(" */\n");
        main.append(statement(op, i, cases.get(op.kind())));
        Expected e = op.model(model, i);
        Op.Source source = op.reads(program);
        FileId file = source == null ? null : source.file();
        long base = source == null ? 0 : source.offset();
        Cells before = agreed.fileFrom(file, base);
        String check = check("op_" + i, "VIEW_OUTCOME", 0, 0, "the op's own outcome", e, file, base, before,
            Signature.ruleId(e.rule()));
        main.append("\tcheck_op(p, ").append(i).append(", o, &").append(check).append(");\n");
        if (Views.due(viewEvery, i, program.size())) {
          String views = views(i, model, agreed, e.rule());
          main.append("\tcheck_views(p, ").append(i).append(", ").append(views).append(");\n");
        }
      }
      main.append("\treturn repro_end(p);\n}\n");

      StringBuilder c = new StringBuilder();
      c.append(header());
      c.append("/* The op functions are hmmfuzz's executor's own: this program uses some of them. */\n")
          .append("#pragma GCC diagnostic ignored \"-Wunused-function\"\n")
          .append("#pragma GCC diagnostic ignored \"-Wunused-const-variable\"\n")
          .append("#pragma GCC diagnostic ignored \"-Wunused-variable\"\n\n");
      c.append(inline("hmm_repro.h", sources, new java.util.HashSet<>()));
      c.append("\n/* ==== The reproducer ==== */\n\n");
      c.append(names());
      c.append(reproducerFacts(magic));
      c.append("\n/* What hmmfuzz's model allows after each op (op_N) and in the views after it (views_N). */\n\n");
      c.append(tables);
      c.append('\n').append(main);
      return c.toString();
    }

    private String header() {
      StringBuilder h = new StringBuilder("/*\n");
      h.append(" * A standalone reproducer written by hmmfuzz export-c from ").append(name).append(":\n");
      h.append(" *\n");
      for (String line : r.render().split("\n")) {
        h.append(" *   ").append(line.replace("*/", "* /")).append('\n');
      }
      h.append(" *\n")
          .append(" * Build: gcc -O2 -Wall -o repro repro.c    (libc only; add -static for a guest)\n")
          .append(" * Run:   ./repro [DIR]     files go in a fresh directory in DIR (default: ")
          .append(caps.fs().id().equals("tmpfs") ? "/dev/shm" : "the current directory").append("),\n")
          .append(" *                          which must be on ").append(caps.fs().id())
          .append(" (").append(caps.fs().type()).append(caps.fs().dax() ? ", mounted -o dax" : "")
          .append(", block ").append(caps.blockSize()).append(")").append(needsHmm() ? "; needs test_hmm" : "")
          .append(needsCoherent() ? ",\n *                          with its device-coherent devices 2 and 3 (boot with "
              + HmmUapi.COHERENT_BOOT_ARGS + ")" : "")
          .append("\n")
          .append(" * Exit:  0 every op and view as hmmfuzz's model allows, 1 divergence (printed as hmmfuzz\n")
          .append(" *        prints it), 3 could not run, 4 a capability is missing (the message names the fix).\n")
          .append(systemWideNote())
          .append(" * Kernel reports (WARNING, BUG, Oops) are read from /dev/kmsg (root); a WARN_ON_ONCE that fired\n")
          .append(" * before this run stays silent until re-armed (echo 1 > /sys/kernel/debug/clear_warn_once).\n")
          .append(" * The model's predictions (the tables above main) were computed for the header's capabilities\n")
          .append(" * (kernel ").append(caps.kernel()).append(", ").append(caps.summary())
          .append("); they hold whichever allowed outcome the kernel takes.\n */\n");
      return h.toString();
    }

    /** What a program with system-wide ops changes beyond its own files, said in its header; empty for others. */
    private String systemWideNote() {
      boolean drops = program.ops().stream().anyMatch(op -> op.kind() == OpKind.DROP_CACHES);
      return !drops ? ""
          : " * It writes /proc/sys/vm/drop_caches (drop-caches, as root): the clean caches of the whole\n"
          + " * machine are dropped, not only this program's. Run it on a test machine or in a guest.\n";
    }

    /** errno_name and signal_name from hmmfuzz's own enums (the C library names the numbers). */
    private String names() {
      StringBuilder sb = new StringBuilder("/* The errno names hmmfuzz knows (io.hmmfuzz.core.Errno). */\n")
          .append("static const char *errno_name(int e)\n{\n\tswitch (e) {\n");
      for (Errno e : Errno.values()) {
        if (e != Errno.UNKNOWN) {
          sb.append("\tcase ").append(e.name()).append(": return \"").append(e.name()).append("\";\n");
        }
      }
      sb.append("\t}\n\treturn NULL;\n}\n\n");
      sb.append("static const char *signal_name(int code)\n{\n\tswitch (code) {\n");
      for (Signal s : Signal.values()) {
        sb.append("\tcase EXEC_SIGNAL_").append(s.name()).append(": return \"").append(s.name()).append("\";\n");
      }
      sb.append("\t}\n\treturn \"?\";\n}\n\n");
      return sb.toString();
    }

    private String reproducerFacts(String magic) {
      StringBuilder sb = new StringBuilder();
      int n = program.size();
      List<String> texts = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      List<String> sources = new ArrayList<>();
      for (Op op : program.ops()) {
        texts.add(str(ProgramText.print(op)));
        kinds.add(str(op.kind().id()));
        sources.add(str(op.dataSource()));
      }
      sb.append("static const char *const op_text[] = {\n\t").append(String.join(",\n\t", texts)).append(",\n};\n");
      sb.append("static const char *const op_kind[] = { ").append(String.join(", ", kinds)).append(" };\n");
      sb.append("/* What each op's written bytes are called in a signature. */\n");
      sb.append("static const char *const op_source[] = { ").append(String.join(", ", sources)).append(" };\n");
      sb.append("/* The bytes each op writes with its own pattern, and the bytes it carries from file to file. */\n");
      sb.append("static const struct tagged tagged[] = {\n");
      for (Op op : program.ops()) {
        Footprint w = op.tagged(program, caps.pageSize());
        sb.append(w == null || w.file() == null ? "\t{ -1, 0, 0 },\n"
            : "\t{ " + w.file().n() + ", 0x" + Long.toHexString(w.from()) + ", 0x" + Long.toHexString(w.to()) + " },\n");
      }
      sb.append("};\nstatic const struct carry carried[] = {\n");
      for (Op op : program.ops()) {
        Op.Carry k = op.carried();
        sb.append(k == null || k.dst() == null || k.src() == null ? "\t{ -1, 0, -1, 0, 0 },\n"
            : "\t{ " + k.dst().n() + ", 0x" + Long.toHexString(k.dstFrom()) + ", " + k.src().n() + ", 0x"
                + Long.toHexString(k.srcFrom()) + ", 0x" + Long.toHexString(k.length()) + " },\n");
      }
      sb.append("};\n/* The bytes of files each op touches, marked in the op log. */\n");
      sb.append("static const struct footprint footprints[] = {\n");
      int fps = 0;
      for (int i = 0; i < n; i++) {
        for (Footprint f : program.op(i).footprint(program)) {
          if (f.file() == null) {
            continue; // bytes of no file (an anonymous mapping's): never a file's bad byte
          }
          sb.append("\t{ ").append(i).append(", ").append(f.file().n()).append(", 0x").append(Long.toHexString(f.from()))
              .append(", 0x").append(Long.toHexString(f.to())).append(", '").append(f.mode()).append("' },\n");
          fps++;
        }
      }
      if (fps == 0) {
        sb.append("\t{ -1, -1, 0, 0, ' ' },\n");
      }
      sb.append("};\n\n");
      sb.append("static const struct reproducer reproducer = {\n")
          .append("\t.name = ").append(str(name)).append(",\n")
          .append("\t.expect = ").append(str(r.header().getOrDefault("expect", "-"))).append(",\n")
          .append("\t.fs = ").append(str(caps.fs().id())).append(",\n")
          .append("\t.fs_type = ").append(str(caps.fs().type())).append(",\n")
          .append("\t.fs_magic = ").append(magic).append(",\n")
          .append("\t.kernel = ").append(str(caps.kernel().toString())).append(",\n")
          .append("\t.kernel_major = ").append(caps.kernel().major()).append(",\n")
          .append("\t.kernel_minor = ").append(caps.kernel().minor()).append(",\n")
          .append("\t.caps = ").append(str(caps.summary())).append(",\n")
          .append("\t.page = ").append(caps.pageSize()).append(",\n")
          .append("\t.block = ").append(caps.blockSize()).append(",\n")
          .append("\t.dax = ").append(caps.dax() ? 1 : 0).append(",\n")
          .append("\t.hmm = ").append(needsHmm() ? 1 : 0).append(",\n")
          .append("\t.coherent = ").append(needsCoherent() ? 1 : 0).append(",\n")
          .append("\t.ops = ").append(n).append(",\n")
          .append("\t.nfiles = ").append(ExecutorProgram.fileSlots(program.ops())).append(",\n")
          .append("\t.nmaps = ").append(ExecutorProgram.mapSlots(program.ops())).append(",\n")
          .append("\t.op_text = op_text,\n\t.op_kind = op_kind,\n\t.op_source = op_source,\n")
          .append("\t.tagged = tagged,\n\t.carried = carried,\n")
          .append("\t.footprints = footprints,\n\t.nfootprints = ").append(fps).append(",\n};\n");
      return sb.toString();
    }

    /**
     * Whether the program needs test_hmm: it has device ops, or mappings whose pages the device view reads
     * after each op (where the campaign ran with test_hmm). A program of files alone (a reflink finding)
     * runs without it.
     */
    private boolean needsHmm() {
      return caps.testHmm() && program.ops().stream().anyMatch(op -> op.kind().device() || op.kind() == OpKind.MMAP);
    }

    /** Whether the program goes through a test_hmm device with device-coherent memory (R121). */
    private boolean needsCoherent() {
      return program.ops().stream().anyMatch(op -> op instanceof io.hmmfuzz.core.op.DevicePages d
          && io.hmmfuzz.core.exec.DeviceMemory.of(d.device()) == io.hmmfuzz.core.exec.DeviceMemory.COHERENT);
    }

    /** The views after op i, as the runner checks them: every file, each readable mapping's pages, the device's. */
    private String views(int i, Model model, Agreed agreed, String opRule) {
      String rule = Signature.ruleId(opRule);
      List<String> entries = new ArrayList<>();
      for (ModelFile f : model.files()) {
        Expected e = model.fileView(f);
        entries.add(checkEntry("VIEW_FILE", f.id().n(), 0, "view " + f.id() + " (fstat + pread)", e, f.id(), 0,
            agreed.files.get(f.id()), rule(rule, e)));
        agreed.files.put(f.id(), e.data());
      }
      for (ModelMapping m : model.readableMappings()) {
        int pages = (int) (model.roundUpPage(m.length()) / model.page());
        for (int pg = 0; pg < pages; pg++) {
          Expected e = model.pageView(m, pg);
          String key = m.id() + "/" + pg + "/cpu";
          entries.add(checkEntry("VIEW_CPU", m.id().n(), pg, "view " + m.id() + " page 0x" + Long.toHexString(pg)
              + " (CPU loads)", e, m.file(), m.offset() + (long) pg * model.page(), agreed.pages.get(key), rule(rule, e)));
          agreed.pages.put(key, e.data());
        }
      }
      if (caps.testHmm()) {
        for (ModelMapping m : model.liveMappings()) {
          long pages = model.roundUpPage(m.length()) / model.page();
          for (long pg = 0; pg < pages; pg++) {
            Expected e = DeviceRead.rule(model, m, pg * model.page(), 1);
            String key = m.id() + "/" + pg + "/device";
            entries.add(checkEntry("VIEW_DEVICE", m.id().n(), pg, "view " + m.id() + " page 0x" + Long.toHexString(pg)
                + " (device read)", e, m.file(), m.offset() + pg * model.page(), agreed.pages.get(key), rule(rule, e)));
            agreed.pages.put(key, e.data());
          }
        }
      }
      String name = "views_" + i;
      tables.append("static const struct check ").append(name).append("[] = {\n");
      for (String e : entries) {
        tables.append("\t").append(e).append(",\n");
      }
      tables.append("\t{ .view = VIEW_END },\n};\n\n");
      return name;
    }

    private static String rule(String opRule, Expected e) {
      return opRule.equals("-") ? Signature.ruleId(e.rule()) : opRule;
    }

    /** A named check of an op's outcome. */
    private String check(String name, String view, int id, long page, String subject, Expected e, FileId file,
        long base, Cells before, String rule) {
      String entry = checkEntry(view, id, page, subject, e, file, base, before, rule);
      tables.append("static const struct check ").append(name).append(" = ").append(entry).append(";\n\n");
      return name;
    }

    private String checkEntry(String view, int id, long page, String subject, Expected e, FileId file, long base,
        Cells before, String rule) {
      return "{ " + view + ", " + id + ", " + page + ", " + str(subject) + ", &" + expect(e) + ", "
          + (file == null ? -1 : file.n()) + ", 0x" + Long.toHexString(base) + ", "
          + (before == null ? "NULL" : "&" + cells(before)) + ", " + str(rule) + " }";
    }

    /** An expect table (and its alternatives), named. */
    private String expect(Expected e) {
      String orElse = e.orElse() == null ? "NULL" : "&" + expect(e.orElse());
      String name = "expect_" + counter++;
      String choices = "NULL";
      int nchoices = 0;
      if (e.choices() != null) {
        StringBuilder ch = new StringBuilder();
        for (Set<Byte> s : e.choices()) {
          ch.append(s.size());
          s.stream().sorted().forEach(b -> ch.append(", 0x").append(String.format("%02x", b & 0xff)));
          ch.append(", ");
        }
        choices = name + "_choices";
        nchoices = e.choices().size();
        tables.append("static const unsigned char ").append(choices).append("[] = { ").append(ch).append("};\n");
      }
      String data = e.data() == null ? "NULL" : "&" + cells(e.data());
      String errno = e.errno() == null ? "0" : e.errno() == Errno.UNKNOWN ? "-1" : e.errno().name();
      tables.append("static const struct expect ").append(name).append(" = { EXEC_STATUS_").append(e.status().name())
          .append(", ").append(e.value()).append(", ").append(errno).append(", EXEC_SIGNAL_").append(e.signal().name())
          .append(", ").append(data).append(", ").append(nchoices).append(", ").append(choices).append(",\n\t")
          .append(str(e.describe())).append(", ").append(orElse).append(" };\n");
      return name;
    }

    /** A cells table, named; the same cells (or equal ones) once. */
    private String cells(Cells c) {
      StringBuilder spans = new StringBuilder();
      StringBuilder bytes = new StringBuilder();
      int nspans = 0;
      for (Cells.Span s : c.spans()) {
        String kind;
        String tagOff = "0";
        String given = "NULL";
        byte[] v = s.values();
        if (allZero(v)) {
          kind = "SPAN_ZEROS";
        } else if (s.writer() >= 0 && tags(v, s.writer(), s.sourceIndex())) {
          kind = "SPAN_TAGS";
          tagOff = "0x" + Long.toHexString(s.sourceIndex());
        } else {
          kind = "SPAN_BYTES";
          given = "BYTES_" + counter++;
          bytes.append("static const unsigned char ").append(given).append("[] = {");
          for (int k = 0; k < v.length; k++) {
            bytes.append(k % 16 == 0 ? "\n\t" : " ").append(String.format("0x%02x,", v[k] & 0xff));
          }
          bytes.append("\n};\n");
        }
        spans.append("\t{ 0x").append(Integer.toHexString(s.start())).append(", 0x").append(Integer.toHexString(s.end()))
            .append(", ").append(s.writer()).append(", ").append(s.maybeZero() ? 1 : 0).append(", ").append(kind)
            .append(", ").append(tagOff).append(", ").append(given).append(" },\n");
        nspans++;
      }
      String key = c.length() + "\n" + spans + bytes;
      String name = cellsNames.get(key);
      if (name == null) {
        name = "cells_" + counter++;
        cellsNames.put(key, name);
        String fixed = bytes.toString();
        String fixedSpans = spans.toString();
        tables.append(fixed);
        if (nspans == 0) {
          tables.append("static const struct cells ").append(name).append(" = { 0, 0, NULL };\n");
        } else {
          tables.append("static const struct span ").append(name).append("_spans[] = {\n").append(fixedSpans)
              .append("};\nstatic const struct cells ").append(name).append(" = { 0x")
              .append(Integer.toHexString(c.length())).append(", ").append(nspans).append(", ").append(name)
              .append("_spans };\n");
        }
      }
      return name;
    }

    private static boolean allZero(byte[] v) {
      for (byte b : v) {
        if (b != 0) {
          return false;
        }
      }
      return true;
    }

    private static boolean tags(byte[] v, int writer, long from) {
      for (int k = 0; k < v.length; k++) {
        if (Tag.byteAt(writer, from + k) != v[k]) {
          return false;
        }
      }
      return true;
    }

    /** Op i's statement: its case of program_op with its arguments as literals. */
    private String statement(Op op, int index, String body) {
      if (body == null) {
        throw new IllegalStateException("hmm_program.h's program_op has no case for " + op.kind().id());
      }
      Object[] args = op.kind().arguments(op);
      String prefix = "EXEC_OP_" + op.kind().name() + "_";
      Matcher m = Pattern.compile("a\\[(EXEC_OP_\\w+)\\]").matcher(body);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String def = m.group(1);
        String idx = defines.get(def);
        if (!def.startsWith(prefix) || idx == null) {
          throw new IllegalStateException("program_op's case for " + op.kind().id() + " names " + def);
        }
        m.appendReplacement(sb, Matcher.quoteReplacement(literal(args[Integer.parseInt(idx)])));
      }
      m.appendTail(sb);
      String s = sb.toString().replaceAll("\\bindex\\b", Integer.toString(index));
      StringBuilder out = new StringBuilder();
      for (String line : s.strip().split("\n")) {
        out.append('\t').append(line.strip().isEmpty() ? "" : line.replaceFirst("^\\t\\t", "")).append('\n');
      }
      return out.toString();
    }

    /** An argument as C: an enum by its EXEC_ name, a flag 0/1, a file or mapping by index, a number in hex. */
    private String literal(Object v) {
      if (v == null) {
        return "-1"; // none (an anonymous mapping's file): -1 on the wire too (ExecutorProtocol.argument)
      }
      if (v instanceof FileId f) {
        return Integer.toString(f.n());
      } else if (v instanceof MapId m) {
        return Integer.toString(m.n());
      } else if (v instanceof Boolean b) {
        return b ? "1" : "0";
      } else if (v instanceof Number n) {
        long x = n.longValue();
        return x < 0 ? Long.toString(x) : "0x" + Long.toHexString(x);
      } else if (v instanceof Enum<?> e) {
        for (Map.Entry<String, String> d : defines.entrySet()) {
          if (d.getKey().endsWith("_" + e.name()) && d.getValue().equals(Integer.toString(e.ordinal()))
              && enumPrefixHolds(d.getKey().substring(0, d.getKey().length() - e.name().length()), e)) {
            return d.getKey();
          }
        }
        return Integer.toString(e.ordinal());
      }
      throw new IllegalStateException("no C form for an op argument of " + v.getClass());
    }

    private boolean enumPrefixHolds(String prefix, Enum<?> e) {
      for (Enum<?> c : e.getDeclaringClass().getEnumConstants()) {
        if (!Integer.toString(c.ordinal()).equals(defines.get(prefix + c.name()))) {
          return false;
        }
      }
      return true;
    }

    /** The cases of program_op in hmm_program.h: each op kind's statements up to its return. */
    static Map<OpKind, String> cases(String programH) {
      int at = programH.indexOf("static int program_op(");
      if (at < 0) {
        throw new IllegalStateException("hmm_program.h has no program_op");
      }
      Map<OpKind, String> out = new HashMap<>();
      Matcher m = Pattern.compile("case EXEC_OP_(\\w+):\\n(.*?)\\n\\s*return 0;", Pattern.DOTALL)
          .matcher(programH.substring(at));
      while (m.find()) {
        if (m.group(2).contains("case EXEC_OP_")) {
          throw new IllegalStateException("hmm_program.h's program_op case for " + m.group(1)
              + " falls through into the next case (no return 0;)");
        }
        try {
          out.put(OpKind.valueOf(m.group(1)), m.group(2));
        } catch (IllegalArgumentException e) {
          // a case of an op kind this tool does not know: not exported
        }
      }
      return out;
    }
  }

  /** The bytes each view was last checked to hold, as the runner keeps them. */
  private static final class Agreed {
    final Map<FileId, Cells> files = new HashMap<>();
    final Map<String, Cells> pages = new HashMap<>();

    /** The agreed bytes of {@code file} from {@code base} on (the runner slices them to what the op read), or null. */
    Cells fileFrom(FileId file, long base) {
      Cells c = file == null ? null : files.get(file);
      if (c == null || base >= c.length()) {
        return null;
      }
      return c.slice((int) base, c.length());
    }
  }

  /** A C string literal. */
  static String str(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20 || ch > 0x7e) {
            sb.append(String.format(Locale.ROOT, "\\%03o", (int) ch & 0xff));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
