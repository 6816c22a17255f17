package io.hmmfuzz.guests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hmmfuzz.core.repro.Corpus;
import io.hmmfuzz.gen.CampaignSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

  /** {@code summary} as {@code out/summary.json}, replaced whole; returns it. */
  public static CampaignSummary write(Path out, CampaignSummary summary) throws IOException {
    Files.createDirectories(out);
    writeJson(out.resolve(NAME), summary);
    return summary;
  }

  /** Any record as JSON at {@code file}, replaced whole ({@link Corpus#replace}). */
  public static void writeJson(Path file, Object value) throws IOException {
    Corpus.replace(file, JSON.writeValueAsBytes(value));
  }

  /** The summary in {@code dir}, or null if there is none. */
  public static CampaignSummary read(Path dir) throws IOException {
    Path f = dir.resolve(NAME);
    return Files.exists(f) ? JSON.readValue(f.toFile(), CampaignSummary.class) : null;
  }
}
