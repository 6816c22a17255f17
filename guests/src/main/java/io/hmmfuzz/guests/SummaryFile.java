package io.hmmfuzz.guests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hmmfuzz.gen.CampaignSummary;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A campaign's {@code summary.json}: its {@link CampaignSummary} as JSON (Jackson, the one serialisation
 * of it), written to a temporary file and renamed into place, so a campaign killed at any moment leaves a
 * whole one.
 */
public final class SummaryFile {
  public static final String NAME = "summary.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private SummaryFile() {}

  public static void write(Path out, CampaignSummary summary) throws IOException {
    Files.createDirectories(out);
    writeJson(out.resolve(NAME), summary);
  }

  /** Any record as JSON at {@code file}: a temporary file beside it, renamed into place. */
  public static void writeJson(Path file, Object value) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".part");
    try {
      JSON.writeValue(tmp.toFile(), value);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The summary in {@code dir}, or null if there is none. */
  public static CampaignSummary read(Path dir) throws IOException {
    Path f = dir.resolve(NAME);
    return Files.exists(f) ? JSON.readValue(f.toFile(), CampaignSummary.class) : null;
  }
}
