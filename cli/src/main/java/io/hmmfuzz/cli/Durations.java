package io.hmmfuzz.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses durations like {@code 90s}, {@code 10m}, {@code 2h} or plain seconds. */
final class Durations implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String v) {
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      char u = v.charAt(v.length() - 1);
      if (Character.isDigit(u)) {
        return Duration.ofSeconds(Long.parseLong(v));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (u) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new TypeConversionException("expected a duration like 90s, 10m or 2h, found '" + v + "'");
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new TypeConversionException("expected a duration like 90s, 10m or 2h, found '" + v + "'");
    }
  }
}
