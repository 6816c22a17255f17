package io.hmmfuzz.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** A campaign's {@code summary.json}, written to a temporary file and renamed into place. */
final class Summary {
  private Summary() {}

  static void write(Path out, Map<String, Object> summary) throws IOException {
    Files.createDirectories(out);
    Path tmp = Files.createTempFile(out, ".summary", ".json.part");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), summary);
    Files.move(tmp, out.resolve("summary.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
