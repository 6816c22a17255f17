package io.hmmfuzz.gen;

import java.util.Map;

/**
 * Shard {@code index} of {@code count}: the part of a campaign's seed space one worker runs. A campaign
 * with base seed S runs program g on the g-th seed drawn from S; shard I of N runs the programs g with
 * {@code g % N == I}, so the shards of one base seed run disjoint programs whose union is what one
 * unsharded campaign over the same seeds runs, and {@code hmmfuzz corpus merge} joins their outputs.
 * Schedulers users already run give I and N: a Kubernetes Indexed Job ({@code JOB_COMPLETION_INDEX},
 * with N given) or a Slurm job array ({@code SLURM_ARRAY_TASK_ID} and {@code SLURM_ARRAY_TASK_COUNT}).
 */
public record Shard(int index, int count) {
  /** The whole seed space: no sharding. */
  public static final Shard WHOLE = new Shard(0, 1);

  public Shard {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException("shard " + index + "/" + count + ": want 0 <= I < N");
    }
  }

  /** The global index of this shard's {@code k}-th program. */
  public long program(long k) {
    return index + k * count;
  }

  public boolean whole() {
    return count == 1;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }

  /**
   * {@code I/N} as given, or {@code auto} or {@code auto/N}: I (and N) from the scheduler's environment.
   *
   * @throws IllegalArgumentException naming what is wrong or missing
   */
  public static Shard parse(String text, Map<String, String> env) {
    String t = text.strip();
    if (t.startsWith("auto")) {
      String n = t.equals("auto") ? null : t.startsWith("auto/") ? t.substring(5) : "";
      return fromEnvironment(env, n == null ? null : number(n, text));
    }
    int slash = t.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("--shard '" + text + "': expected I/N (e.g. 0/4), auto or auto/N");
    }
    return new Shard(number(t.substring(0, slash), text), number(t.substring(slash + 1), text));
  }

  /**
   * The shard a scheduler gave this process: a Slurm job array's task (its IDs counted from
   * {@code SLURM_ARRAY_TASK_MIN}, 0 if unset) or a Kubernetes Indexed Job's completion index, whose
   * count must be given ({@code --shard auto/N}, N = the Job's {@code completions}).
   */
  public static Shard fromEnvironment(Map<String, String> env, Integer count) {
    String slurm = env.get("SLURM_ARRAY_TASK_ID");
    if (slurm != null) {
      int min = env.containsKey("SLURM_ARRAY_TASK_MIN") ? number(env.get("SLURM_ARRAY_TASK_MIN"), "SLURM_ARRAY_TASK_MIN") : 0;
      String n = env.get("SLURM_ARRAY_TASK_COUNT");
      if (n == null && count == null) {
        throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT;"
            + " give the count as --shard auto/N");
      }
      return new Shard(number(slurm, "SLURM_ARRAY_TASK_ID") - min, count != null ? count : number(n, "SLURM_ARRAY_TASK_COUNT"));
    }
    String k8s = env.get("JOB_COMPLETION_INDEX");
    if (k8s != null) {
      if (count == null) {
        throw new IllegalArgumentException("--shard auto: a Kubernetes Indexed Job gives JOB_COMPLETION_INDEX but not the"
            + " count; give it as --shard auto/N (N = the Job's completions)");
      }
      return new Shard(number(k8s, "JOB_COMPLETION_INDEX"), count);
    }
    throw new IllegalArgumentException("--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor"
        + " JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give the shard as --shard I/N");
  }

  private static int number(String s, String what) {
    try {
      return Integer.parseInt(s.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": '" + s + "' is not a number");
    }
  }
}
