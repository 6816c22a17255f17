package io.hmmfuzz.core.repro;

import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.op.Defaulted;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.run.Program;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one-op-per-line text of programs (fsx's .fsxops, syzkaller's programs): the op's name, its first
 * argument bare when it is a file or mapping, then {@code name=value} for the rest, in record order,
 * leaving out a {@link Defaulted} argument that is 0. Numbers print in hex; {@code #} starts a comment.
 * Printing then parsing is the identity.
 */
public final class ProgramText {
  private ProgramText() {}

  public static String print(Op op) {
    if (op instanceof Mmap m && m.anonymous()) {
      // Anonymous memory: no file, offset or sync (R110).
      return "mmap " + m.map() + " anon length=" + hex(m.length()) + " prot=" + m.prot().id() + " sharing="
          + format(m.sharing());
    }
    OpKind kind = op.kind();
    StringBuilder sb = new StringBuilder(kind.id());
    RecordComponent[] cs = kind.components();
    for (int i = 0; i < cs.length; i++) {
      Object v = kind.argument(op, i);
      if (defaulted(cs[i]) && isZero(v)) {
        continue;
      }
      sb.append(' ');
      if (!(i == 0 && isResource(cs[i].getType()))) {
        sb.append(cs[i].getName()).append('=');
      }
      sb.append(format(v));
    }
    return sb.toString();
  }

  public static String print(Program p) {
    StringBuilder sb = new StringBuilder();
    for (Op op : p.ops()) {
      sb.append(print(op)).append('\n');
    }
    return sb.toString();
  }

  /** An argument that may be left out, meaning 0 ({@link Defaulted}). */
  private static boolean defaulted(RecordComponent c) {
    return c.isAnnotationPresent(Defaulted.class);
  }

  private static boolean isZero(Object v) {
    return v instanceof Number n && n.longValue() == 0 || v instanceof Boolean b && !b;
  }

  private static Object zero(Class<?> t) {
    if (t == int.class) {
      return 0;
    }
    if (t == long.class) {
      return 0L;
    }
    if (t == boolean.class) {
      return false;
    }
    throw new IllegalStateException("no zero for " + t);
  }

  private static boolean isResource(Class<?> t) {
    return t == FileId.class || t == MapId.class;
  }

  private static String format(Object v) {
    if (v instanceof Long l) {
      return hex(l);
    }
    if (v instanceof Integer n) {
      return hex(n);
    }
    if (v instanceof Prot p) {
      return p.id();
    }
    if (v instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    return String.valueOf(v);
  }

  private static String hex(long v) {
    return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
  }

  /** Parses op lines; blank and comment lines are skipped. Lines are numbered from {@code firstLine}. */
  public static Program parse(String text, String fileName) throws ReproducerSyntaxException {
    List<Op> ops = new ArrayList<>();
    List<Integer> lineOf = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int ln = 0; ln < lines.length; ln++) {
      String line = lines[ln];
      int hash = line.indexOf('#');
      String body = hash >= 0 ? line.substring(0, hash) : line;
      if (body.isBlank()) {
        continue;
      }
      ops.add(parseLine(body, fileName, ln + 1));
      lineOf.add(ln + 1);
    }
    Program p = new Program(ops);
    List<String> problems = p.problems();
    if (!problems.isEmpty()) {
      String first = problems.get(0);
      int opIndex = Integer.parseInt(first.substring(3, first.indexOf(' ', 3)));
      throw new ReproducerSyntaxException(fileName, lineOf.get(opIndex), 1, "invalid program: " + first);
    }
    return p;
  }

  private static Op parseLine(String body, String file, int line) throws ReproducerSyntaxException {
    List<int[]> spans = new ArrayList<>();
    int i = 0;
    while (i < body.length()) {
      while (i < body.length() && Character.isWhitespace(body.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < body.length() && !Character.isWhitespace(body.charAt(i))) {
        i++;
      }
      if (i > start) {
        spans.add(new int[] {start, i});
      }
    }
    String name = body.substring(spans.get(0)[0], spans.get(0)[1]);
    OpKind kind = OpKind.byId(name);
    if (kind == null) {
      throw new ReproducerSyntaxException(file, line, spans.get(0)[0] + 1,
          "unknown op '" + name + "', expected one of " + knownOps());
    }
    RecordComponent[] cs = kind.components();
    Object[] args = new Object[cs.length];
    boolean[] seen = new boolean[cs.length];
    int tokenIdx = 1;
    for (int[] span = null; tokenIdx < spans.size(); tokenIdx++) {
      span = spans.get(tokenIdx);
      String tok = body.substring(span[0], span[1]);
      int col = span[0] + 1;
      int eq = tok.indexOf('=');
      int ci;
      String value;
      if (eq < 0 && kind == OpKind.MMAP && tokenIdx == 2 && tok.equals("anon")) {
        // mmap m0 anon length=... prot=... sharing=...: MAP_ANONYMOUS, so no file, offset 0, no sync.
        for (int k = 0; k < cs.length; k++) {
          String n = cs[k].getName();
          if (n.equals("file") || n.equals("offset") || n.equals("sync")) {
            if (seen[k]) {
              throw new ReproducerSyntaxException(file, line, col, "'anon' maps no file: no " + n + "= with it");
            }
            seen[k] = true;
            args[k] = n.equals("file") ? null : n.equals("offset") ? (Object) 0L : (Object) false;
          }
        }
        continue;
      }
      if (eq < 0) {
        if (tokenIdx != 1 || !isResource(cs[0].getType())) {
          throw new ReproducerSyntaxException(file, line, col, "expected name=value, found '" + tok + "'");
        }
        ci = 0;
        value = tok;
      } else {
        String key = tok.substring(0, eq);
        ci = -1;
        for (int k = 0; k < cs.length; k++) {
          if (cs[k].getName().equals(key)) {
            ci = k;
          }
        }
        if (ci < 0) {
          throw new ReproducerSyntaxException(file, line, col,
              "unknown argument '" + key + "' of " + name + ", expected " + argNames(cs));
        }
        value = tok.substring(eq + 1);
        col += eq + 1;
      }
      if (seen[ci]) {
        throw new ReproducerSyntaxException(file, line, col, "argument '" + cs[ci].getName() + "' given twice");
      }
      seen[ci] = true;
      try {
        args[ci] = parseValue(cs[ci].getType(), value);
      } catch (IllegalArgumentException e) {
        throw new ReproducerSyntaxException(file, line, col,
            "bad value '" + value + "' for " + cs[ci].getName() + ": " + e.getMessage());
      }
    }
    for (int k = 0; k < cs.length; k++) {
      if (!seen[k] && defaulted(cs[k])) {
        args[k] = zero(cs[k].getType());
      } else if (!seen[k]) {
        throw new ReproducerSyntaxException(file, line, body.length() + 1,
            "missing argument '" + cs[k].getName() + "' of " + name + " (" + argNames(cs) + ")");
      }
    }
    try {
      return kind.construct(args);
    } catch (IllegalArgumentException e) {
      throw new ReproducerSyntaxException(file, line, 1, e.getMessage());
    }
  }

  private static Object parseValue(Class<?> t, String v) {
    if (t == FileId.class) {
      return new FileId(index(v, 'f'));
    }
    if (t == MapId.class) {
      return new MapId(index(v, 'm'));
    }
    if (t == long.class) {
      return parseNumber(v);
    }
    if (t == int.class) {
      long n = parseNumber(v);
      if (n != (int) n) {
        throw new IllegalArgumentException("does not fit in 32 bits");
      }
      return (int) n;
    }
    if (t == boolean.class) {
      if (v.equals("true") || v.equals("false")) {
        return Boolean.parseBoolean(v);
      }
      throw new IllegalArgumentException("expected true or false");
    }
    if (t == Prot.class) {
      return Prot.parse(v);
    }
    if (t.isEnum()) {
      for (Object c : t.getEnumConstants()) {
        if (format(c).equals(v)) {
          return c;
        }
      }
      List<String> names = new ArrayList<>();
      for (Object c : t.getEnumConstants()) {
        names.add(format(c));
      }
      throw new IllegalArgumentException("expected one of " + String.join(", ", names));
    }
    throw new IllegalStateException("no text form for " + t);
  }

  private static int index(String v, char prefix) {
    if (v.length() < 2 || v.charAt(0) != prefix || !v.substring(1).chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("expected " + prefix + "<number>, like " + prefix + "0");
    }
    return Integer.parseInt(v.substring(1));
  }

  static long parseNumber(String v) {
    boolean neg = v.startsWith("-");
    String s = neg ? v.substring(1) : v;
    long n;
    try {
      n = s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number (decimal or 0x hex)");
    }
    return neg ? -n : n;
  }

  private static String argNames(RecordComponent[] cs) {
    List<String> n = new ArrayList<>();
    for (RecordComponent c : cs) {
      n.add(c.getName());
    }
    return String.join(", ", n);
  }

  private static String knownOps() {
    List<String> n = new ArrayList<>();
    for (OpKind k : OpKind.values()) {
      n.add(k.id());
    }
    return String.join(", ", n);
  }
}
