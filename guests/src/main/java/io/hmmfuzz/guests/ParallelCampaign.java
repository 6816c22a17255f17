package io.hmmfuzz.guests;

import io.hmmfuzz.core.exec.Target;
import io.hmmfuzz.core.run.Signature;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.gen.Campaign;
import io.hmmfuzz.gen.CampaignSummary;
import io.hmmfuzz.gen.Shard;
import io.hmmfuzz.gen.ShardMerge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code fuzz --jobs N} on one machine: N workers, each a campaign on its own target (its own scratch
 * filesystem) over its own shard of the seed space, each writing {@code out/worker-I/}; the campaign's
 * {@code out/summary.json} and the findings' reproducers in {@code out/} are the workers' outputs merged
 * by signature ({@link ShardMerge}), rewritten with every worker's status, so one directory holds one
 * campaign's statistics at any moment. A failing worker stops the others and its failure is rethrown.
 * With {@code --target vm} each worker is a campaign across boots of its own guests ({@link GuestCampaign}).
 */
public final class ParallelCampaign {
  private ParallelCampaign() {}

  /** What the workers tell as they go. */
  public interface Listener {
    /** The merged statistics, after a worker's status. */
    void status(CampaignSummary merged);

    /** A worker's new finding (already saved in its directory). */
    void finding(int worker, Campaign.Finding finding);
  }

  /** How to make worker {@code i}'s part. */
  public interface Workers {
    /** Worker {@code i}'s target; closed when it ends. */
    Target target(int i);

    /** Worker {@code i}'s campaign settings on {@code target}, writing to {@code dir}, over shard {@code shard}. */
    Campaign.Settings settings(int i, Target target, Path dir, Shard shard);

    /** Worker {@code i}'s summary of {@code stats}. */
    CampaignSummary summary(int i, Target target, Campaign.Stats stats, Shard shard, boolean finished);
  }

  /** The directory of worker {@code i}'s own output. */
  public static Path workerDir(Path out, int i) {
    return out.resolve("worker-" + i);
  }

  /**
   * One worker's campaign of any kind (on a local scratch filesystem, or across guest boots): it runs
   * over {@code shard}, writes its own output in {@code dir}, hands each summary it writes to
   * {@code status}, stops when {@code stop} says so, and returns its last summary. {@code saved} says
   * which signatures the campaign's workers have saved so far (each finding's own and those it was seen
   * as), for a worker that can take them between its parts (a guest worker's next boot does).
   */
  @FunctionalInterface
  public interface Worker {
    CampaignSummary run(int i, Path dir, Shard shard, Consumer<CampaignSummary> status, BooleanSupplier stop,
        Supplier<List<Signature>> saved) throws IOException;
  }

  /**
   * Runs {@code jobs} local workers over {@code shard} split {@code jobs} ways and returns the merged summary.
   */
  public static CampaignSummary run(int jobs, Shard shard, Workers workers, Path out, Listener listener,
      BooleanSupplier stop) throws IOException {
    Object lock = new Object();
    return run(jobs, shard, (w, dir, mine, status, stopWorker, saved) -> {
      try (Target target = workers.target(w)) {
        Campaign.Stats end = new Campaign(target, workers.settings(w, target, dir, mine)).run(new Campaign.Listener() {
          @Override
          public void status(Campaign.Stats s) {
            status.accept(workers.summary(w, target, s, mine, false));
          }

          @Override
          public void finding(Campaign.Finding f) {
            io.hmmfuzz.linux.CReproducer.saveBeside(f.file(), line -> { });
            synchronized (lock) {
              listener.finding(w, f);
            }
          }
        }, stopWorker);
        return workers.summary(w, target, end, mine, true);
      }
    }, out, listener::status, stop);
  }

  /**
   * Runs {@code jobs} workers over {@code shard} split {@code jobs} ways (worker {@code i} over shard
   * {@code shard.index() + i * shard.count()} of {@code shard.count() * jobs}), each in
   * {@link #workerDir}; {@code merged} gets the workers' summaries merged after each status. A failing
   * worker stops the others and its failure is rethrown. Returns the merged summary, also in
   * {@code out/summary.json}; null if no worker got as far as its target (no guest came up).
   */
  public static CampaignSummary run(int jobs, Shard shard, Worker worker, Path out, Consumer<CampaignSummary> merged,
      BooleanSupplier stop) throws IOException {
    Files.createDirectories(out);
    CampaignSummary[] latest = new CampaignSummary[jobs];
    AtomicBoolean failed = new AtomicBoolean();
    Throwable[] failure = new Throwable[1];
    List<Thread> threads = new ArrayList<>();
    Object lock = new Object();
    CampaignSummary[] now = new CampaignSummary[1];
    java.util.Set<String> copied = new java.util.HashSet<>();
    Consumer<CampaignSummary> mergedNow = m -> {
      now[0] = m;
      merged.accept(m);
    };
    Supplier<List<Signature>> saved = () -> {
      synchronized (lock) {
        return now[0] == null ? List.of() : Ledger.saved(now[0].findings());
      }
    };
    for (int i = 0; i < jobs; i++) {
      int w = i;
      Shard mine = new Shard(shard.index() + w * shard.count(), shard.count() * jobs);
      Path dir = workerDir(out, w);
      Thread t = new Thread(() -> {
        try {
          Files.createDirectories(dir);
          CampaignSummary end = worker.run(w, dir, mine, s -> {
            synchronized (lock) {
              latest[w] = s;
              publish(out, dir, w, latest, shard, mergedNow, copied);
            }
          }, () -> stop.getAsBoolean() || failed.get(), saved);
          synchronized (lock) {
            latest[w] = end;
            publish(out, dir, w, latest, shard, mergedNow, copied);
          }
        } catch (Throwable e) {
          synchronized (lock) {
            if (failure[0] == null) {
              failure[0] = e;
            }
          }
          failed.set(true);
        }
      }, "hmmfuzz-worker-" + w);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.set(true);
      }
    }
    if (failure[0] instanceof IOException e) {
      throw e;
    }
    if (failure[0] instanceof RuntimeException e) {
      throw e;
    }
    if (failure[0] instanceof Error e) {
      throw e;
    }
    return merged(out, latest, shard, copied);
  }

  /** Worker {@code w}'s summary in its directory, and the merge of every worker's so far in {@code out}. */
  private static void publish(Path out, Path dir, int w, CampaignSummary[] latest, Shard shard,
      Consumer<CampaignSummary> listener, java.util.Set<String> copied) {
    try {
      SummaryFile.write(dir, latest[w]);
      CampaignSummary m = merged(out, latest, shard, copied);
      if (m != null) {
        listener.accept(m);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The workers' summaries merged (as the campaign's: of {@code shard}), their findings copied to
   * {@code out}; a copy this run made ({@code copied}) of a reproducer the merge no longer keeps (another
   * worker's of the same finding won) goes, so that {@code out} holds the summary's reproducers (each
   * worker's own stay in its directory).
   */
  private static CampaignSummary merged(Path out, CampaignSummary[] latest, Shard shard, java.util.Set<String> copied)
      throws IOException {
    List<ShardMerge.Part> parts = new ArrayList<>();
    for (int i = 0; i < latest.length; i++) {
      // A worker across guest boots writes its summary before its first guest is up: no kernel yet, and
      // nothing run; it joins the merge once a guest has told it what it runs on.
      if (latest[i] != null && !(latest[i].kernel() == null || latest[i].kernel().isEmpty())) {
        parts.add(new ShardMerge.Part(Integer.toString(i), latest[i]));
      }
    }
    if (parts.isEmpty()) {
      return null;
    }
    ShardMerge.Result r = ShardMerge.merge(parts);
    for (var e : r.from().entrySet()) {
      Path to = out.resolve(e.getKey());
      Path from = workerDir(out, Integer.parseInt(e.getValue().name())).resolve(e.getKey());
      if (!Files.exists(to) && Files.exists(from)) {
        Path c = io.hmmfuzz.linux.CReproducer.besidePath(from);
        if (Files.exists(c)) {
          Corpus.replace(io.hmmfuzz.linux.CReproducer.besidePath(to), Files.readAllBytes(c));
        }
        Corpus.replace(to, Files.readAllBytes(from));
        copied.add(e.getKey());
      }
    }
    for (java.util.Iterator<String> i = copied.iterator(); i.hasNext(); ) {
      String name = i.next();
      if (!r.from().containsKey(name)) {
        Files.deleteIfExists(out.resolve(name));
        Files.deleteIfExists(io.hmmfuzz.linux.CReproducer.besidePath(out.resolve(name)));
        i.remove();
      }
    }
    CampaignSummary whole = r.summary().withShard(shard);
    SummaryFile.write(out, whole);
    return whole;
  }
}
