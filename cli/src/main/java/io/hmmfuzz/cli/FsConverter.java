package io.hmmfuzz.cli;

import io.hmmfuzz.core.FsKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** --fs values. */
final class FsConverter implements ITypeConverter<FsKind> {
  @Override
  public FsKind convert(String v) {
    try {
      return FsKind.parse(v);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
