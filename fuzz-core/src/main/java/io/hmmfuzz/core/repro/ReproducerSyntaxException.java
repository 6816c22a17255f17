package io.hmmfuzz.core.repro;

/** A malformed reproducer: names the file, line and column, and what was expected there. */
public class ReproducerSyntaxException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String file;
  private final int line;
  private final int column;

  public ReproducerSyntaxException(String file, int line, int column, String message) {
    super(file + ":" + line + ":" + column + ": " + message);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
