package io.hmmfuzz.core.repro;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A directory of reproducers ({@code *.repro}). Saves never leave a half-written file: temp file, then rename. */
public final class Corpus {
  public static final String SUFFIX = ".repro";

  private Corpus() {}

  /** Writes {@code r} as {@code dir/name.repro} atomically and returns the path. */
  public static Path save(Path dir, String name, Reproducer r) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name + SUFFIX);
    replace(target, r.render().getBytes(StandardCharsets.UTF_8));
    return target;
  }

  /**
   * Writes {@code bytes} as {@code target}: to a temporary file beside it, renamed into place, so that a
   * run killed at any moment leaves the old file or the new one, never half of one.
   */
  public static void replace(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static Reproducer load(Path file) throws IOException, ReproducerSyntaxException {
    return Reproducer.parse(text(Files.readAllBytes(file), file.toString()), file.toString());
  }

  /** The bytes as UTF-8 text; a reproducer that is not names the line and column of its first bad byte. */
  static String text(byte[] bytes, String fileName) throws ReproducerSyntaxException {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult r = d.decode(in, out, true);
    if (r.isError()) {
      int pos = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < pos; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new ReproducerSyntaxException(fileName, line, pos - lineStart + 1,
          String.format("not UTF-8 text: byte 0x%02x (a reproducer is a text file; was it saved by another tool?)",
              bytes[pos] & 0xff));
    }
    d.flush(out);
    return out.flip().toString();
  }

  /** The reproducer files of a directory (sorted), or the file itself. */
  public static List<Path> list(Path fileOrDir) throws IOException {
    if (!Files.isDirectory(fileOrDir)) {
      return List.of(fileOrDir);
    }
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(fileOrDir)) {
      s.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p)).sorted().forEach(out::add);
    }
    return out;
  }
}
