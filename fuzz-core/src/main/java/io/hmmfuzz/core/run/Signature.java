package io.hmmfuzz.core.run;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What kind of finding a divergence is, as a value: the shrinker keeps it while it shrinks, a campaign
 * keeps one finding per signature, and {@code --known} matches it exactly. It names the culprit:
 *
 * @param op       the kind of the op after which the first mismatch appeared ({@code -} for a kernel
 *                 report, a hang or a crash, whose op the host cannot know)
 * @param view     what mismatched
 * @param mismatch the class: {@code stale} (bytes the view was last checked to hold: an update that did
 *                 not land, whichever op wrote them), {@code zeros} (zeros where data was expected),
 *                 {@code bytes-of-<writer>} (bytes carrying the pattern of a write of that kind, where
 *                 the model expected others: {@code pwrite} for open/pwrite data, {@code store}
 *                 for CPU stores and device writes, which write through the same page), {@code data} (other wrong bytes), {@code missing-SIGBUS},
 *                 {@code extra-SIGBUS}, {@code SIGSEGV-not-SIGBUS}, {@code errno-EINVAL-not-EOPNOTSUPP},
 *                 {@code unexpected-success}, {@code unexpected-ENOENT}, {@code value}, {@code size}; for a
 *                 kernel report its title, blanks as underscores
 * @param rule     the id of the model rule that predicted otherwise (R#, U# of docs/semantics.md), or {@code -}
 */
public record Signature(String op, View view, String mismatch, String rule) {

  /** What disagreed with the model, or what the kernel did instead of answering. */
  public enum View {
    OUTCOME("outcome"), FILE("file-view"), CPU("cpu-view"), DEVICE("device-view"), KERNEL("kernel"),
    HANG("hang"), CRASH("crash");

    private final String id;

    View(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    static View byId(String id) {
      for (View v : values()) {
        if (v.id.equals(id)) {
          return v;
        }
      }
      return null;
    }
  }

  public Signature {
    for (String part : new String[] {op, mismatch, rule}) {
      if (part == null || part.isEmpty() || part.chars().anyMatch(c -> Character.isWhitespace(c) || c == '=')) {
        throw new IllegalArgumentException("signature part '" + part + "' must be non-empty, without blanks or '='");
      }
    }
    if (view != View.KERNEL && (op.contains("/") || mismatch.contains("/") || rule.contains("/"))) {
      throw new IllegalArgumentException("signature parts of a " + view.id + " finding hold no '/'");
    }
  }

  /** A kernel report (WARNING, BUG, Oops, ...), by its title: the same whether the kernel then lives, dies or stalls. */
  public static Signature kernel(String title) {
    return new Signature("-", View.KERNEL, title.strip().replaceAll("\\s+", "_").replace("=", ":"), "-");
  }

  /** A guest that stopped answering with no kernel report. */
  public static Signature hang() {
    return new Signature("-", View.HANG, "no-report", "-");
  }

  /** A guest whose program died with no kernel report: {@code how} names the death ({@code jvm-SIGSEGV}, {@code exit-3}). */
  public static Signature crash(String how) {
    return new Signature("-", View.CRASH, how, "-");
  }

  private static final Pattern RULE_ID = Pattern.compile("\\b([RU]\\d+[a-z]?)\\b");

  /** The first rule id (R#, U#) a model rule's text names, or {@code -}. */
  public static String ruleId(String ruleText) {
    if (ruleText == null) {
      return "-";
    }
    Matcher m = RULE_ID.matcher(ruleText);
    return m.find() ? m.group(1) : "-";
  }

  /** The header form: {@code kernel:TITLE}, {@code hang}, {@code crash:HOW}, else {@code op/view/mismatch/rule}. */
  public String text() {
    return switch (view) {
      case KERNEL -> "kernel:" + mismatch;
      case HANG -> "hang";
      case CRASH -> "crash:" + mismatch;
      default -> op + "/" + view.id + "/" + mismatch + "/" + rule;
    };
  }

  /**
   * A signature read back from its {@link #text}, or null for text of another form, such as the untyped
   * strings of reproducers saved before signatures were typed ({@code file-view:data}): those name a
   * class of mismatch, not a culprit, and must match nothing.
   */
  public static Signature parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (text.startsWith("kernel:") && text.length() > "kernel:".length()) {
      return new Signature("-", View.KERNEL, text.substring("kernel:".length()), "-");
    }
    if (text.equals("hang")) {
      return hang();
    }
    if (text.startsWith("crash:") && text.length() > "crash:".length()) {
      return crash(text.substring("crash:".length()));
    }
    String[] p = text.split("/", -1);
    if (p.length != 4) {
      return null;
    }
    View v = View.byId(p[1]);
    if (v == null || v == View.KERNEL || v == View.HANG || v == View.CRASH) {
      return null;
    }
    try {
      return new Signature(p[0], v, p[2], p[3]);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A file-name fragment: lower case, runs of other characters as '-'. */
  public String slug() {
    String s = text().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    return s.substring(0, Math.min(s.length(), 64));
  }

  @Override
  public String toString() {
    return text();
  }
}
