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
 * compressed kernel inside the bzImage (xz through the xz tool, or gzip), then the IKCFG_ST marker and
 * the gzip stream after it.
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
    int xz = indexOf(image, XZ_MAGIC, 0);
    if (xz >= 0) {
      byte[] kernel = unxz(image, xz);
      if (kernel != null) {
        Optional<String> c = afterMarker(kernel);
        if (c.isPresent()) {
          return c;
        }
      }
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

  private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

  /** An XZ-compressed kernel (CONFIG_KERNEL_XZ, tinyconfig's default) through the xz tool. */
  private static byte[] unxz(byte[] data, int from) throws IOException {
    if (io.hmmfuzz.linux.Commands.find("xz") == null) {
      return null;
    }
    Process p = new ProcessBuilder("xz", "-dc", "--single-stream").redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    Thread feed = new Thread(() -> {
      try (var in = p.getOutputStream()) {
        in.write(data, from, data.length - from);
      } catch (IOException e) {
        // xz stopped reading at the end of its stream
      }
    });
    feed.start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      p.waitFor();
      feed.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out.length > 0 ? out : null;
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
