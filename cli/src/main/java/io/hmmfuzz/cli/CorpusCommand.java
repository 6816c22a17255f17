package io.hmmfuzz.cli;

import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.ShardMerge;
import io.hmmfuzz.guests.SummaryFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code hmmfuzz corpus}: campaign outputs as a whole. */
@Command(name = "corpus", mixinStandardHelpOptions = true, description = "Work on campaign output directories.",
    subcommands = {CorpusCommand.Merge.class})
final class CorpusCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a corpus command: merge");
  }

  /** {@code hmmfuzz corpus merge DIR... --out DIR}. */
  @Command(name = "merge", mixinStandardHelpOptions = true,
      description = "Join campaign outputs (the shards of one campaign, --shard I/N, or campaigns of the same kernel,"
          + " filesystem and profile) by signature: one finding per signature with its reproducer (for shards the one"
          + " found first in the seed order, else the shortest) and every divergence counted; one summary.json.")
  static final class Merge implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "campaign output directories (each with summary.json)")
    List<Path> dirs = new ArrayList<>();

    @Option(names = "--out", required = true, description = "directory for the merged reproducers and summary.json"
        + " (made if missing; not one of the inputs)")
    Path out;

    @Override
    public Integer call() throws IOException {
      PrintWriter o = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<ShardMerge.Part> parts = new ArrayList<>();
      Map<ShardMerge.Part, Path> where = new java.util.HashMap<>();
      for (Path d : dirs) {
        if (Files.exists(out) && Files.isSameFile(d, out)) {
          err.println("hmmfuzz: corpus merge: --out " + out + " is one of the inputs; name a new directory");
          return ExitCode.USAGE;
        }
        CampaignSummary s = Files.isDirectory(d) ? SummaryFile.read(d) : null;
        if (s == null) {
          err.println("hmmfuzz: corpus merge: " + d + ": no " + SummaryFile.NAME + " (not a campaign's output directory)");
          return ExitCode.USAGE;
        }
        ShardMerge.Part p = new ShardMerge.Part(d.toString(), s);
        parts.add(p);
        where.put(p, d);
      }
      ShardMerge.Result r;
      try {
        r = ShardMerge.merge(parts);
      } catch (IllegalArgumentException e) {
        err.println("hmmfuzz: corpus merge: " + e.getMessage());
        return ExitCode.USAGE;
      }
      Files.createDirectories(out);
      for (Map.Entry<String, ShardMerge.Part> e : r.from().entrySet()) {
        Path src = where.get(e.getValue()).resolve(e.getKey());
        if (!Files.exists(src)) {
          err.println("hmmfuzz: corpus merge: " + src + " is named in its summary.json but missing");
          return ExitCode.USAGE;
        }
        Corpus.replace(out.resolve(e.getKey()), Files.readAllBytes(src));
      }
      SummaryFile.write(out, r.summary());
      CampaignSummary m = r.summary();
      o.printf("hmmfuzz corpus merge: %d outputs, %d programs, %d ops, %d findings (%d repeats)%s; written to %s%n",
          parts.size(), m.programs(), m.ops(), m.divergences(), m.repeats(),
          m.shard() != null ? "; shards " + m.shard() + " only (the others are missing)" : "", out);
      for (CampaignSummary.Found f : m.findings()) {
        o.printf("  %s: %d ops, %s, %d other divergences (%s)%n", f.signature(), f.ops(), f.reproduced(), f.others(),
            f.file());
      }
      return ExitCode.OK;
    }
  }
}
