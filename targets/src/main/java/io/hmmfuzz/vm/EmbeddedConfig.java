package io.hmmfuzz.vm;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The .config a kernel image carries with CONFIG_IKCONFIG (scripts/extract-ikconfig, in Java): find the
 * gzip-compressed kernel inside the bzImage, then the IKCFG_ST marker and the gzip stream after it.
 */
public final class EmbeddedConfig {
  private EmbeddedConfig() {}

  private static final byte[] MARKER = "IKCFG_ST".getBytes(StandardCharsets.US_ASCII);

  public static Optional<String> of(Path bzImage) throws IOException {
    byte[] image = Files.readAllBytes(bzImage);
    Optional<String> direct = afterMarker(image);
    if (direct.isPresent()) {
      return direct;
    }
    for (int i = 0; i + 3 < image.length; i++) {
      if ((image[i] & 0xff) == 0x1f && (image[i + 1] & 0xff) == 0x8b && image[i + 2] == 8) {
        byte[] kernel = gunzip(image, i, 256 << 20);
        if (kernel != null && kernel.length > 1 << 20) {
          Optional<String> c = afterMarker(kernel);
          if (c.isPresent()) {
            return c;
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> afterMarker(byte[] data) {
    int at = indexOf(data, MARKER, 0);
    if (at < 0) {
      return Optional.empty();
    }
    byte[] cfg = gunzip(data, at + MARKER.length, 16 << 20);
    return cfg == null ? Optional.empty() : Optional.of(new String(cfg, StandardCharsets.UTF_8));
  }

  private static byte[] gunzip(byte[] data, int from, int limit) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data, from, data.length - from))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0 && out.size() < limit;) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      return null;
    }
  }

  private static int indexOf(byte[] h, byte[] n, int from) {
    outer:
    for (int i = from; i <= h.length - n.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (h[i + j] != n[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
