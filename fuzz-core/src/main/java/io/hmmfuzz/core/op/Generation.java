package io.hmmfuzz.core.op;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What an op's generator sees when it makes the next op of a program: the seeded random source, the
 * model of the program so far (which files and mappings exist, how big files are), the target's
 * capabilities, and the choices most generators share (offsets near EOF and page boundaries, access
 * lengths, block-aligned offsets, a profile-set share of deliberately invalid arguments). Each op kind
 * has its generator beside its rule ({@code static Op generate(Generation g)} on the op's record),
 * returning null where the program's state allows no op of its kind.
 */
public final class Generation {
  /** Files a program keeps open at most. */
  public static final int MAX_FILES = 3;
  /** Mappings a program keeps live at most, and makes at most. */
  public static final int MAX_MAPPINGS = 4;
  public static final int MAX_MAPPINGS_MADE = 8;
  /** Largest offset or size generated for files. */
  public static final long MAX_SIZE = 8 * 4096;

  private final SplittableRandom rng;
  private final Model model;
  private final Capabilities caps;
  private final int invalidPercent;
  private final int filesMade;
  private final int mapsMade;

  /**
   * @param filesMade files the program has made so far (the next one is f{@code filesMade})
   * @param mapsMade mappings the program has made so far
   */
  public Generation(SplittableRandom rng, Model model, Capabilities caps, int invalidPercent, int filesMade,
      int mapsMade) {
    this.rng = rng;
    this.model = model;
    this.caps = caps;
    this.invalidPercent = invalidPercent;
    this.filesMade = filesMade;
    this.mapsMade = mapsMade;
  }

  public SplittableRandom rng() {
    return rng;
  }

  public Model model() {
    return model;
  }

  public Capabilities caps() {
    return caps;
  }

  public int page() {
    return model.page();
  }

  public int blockSize() {
    return caps.blockSize();
  }

  /** The name of the next file the program makes. */
  public FileId nextFile() {
    return new FileId(filesMade);
  }

  /** The name of the next mapping the program makes, or null when it has made its last. */
  public MapId nextMapping() {
    return mapsMade >= MAX_MAPPINGS_MADE || liveMappings().size() >= MAX_MAPPINGS ? null : new MapId(mapsMade);
  }

  public List<ModelFile> openFiles() {
    List<ModelFile> open = new ArrayList<>();
    for (ModelFile f : model.files()) {
      if (f.open()) {
        open.add(f);
      }
    }
    return open;
  }

  public List<ModelMapping> liveMappings() {
    List<ModelMapping> live = new ArrayList<>();
    for (ModelMapping m : model.mappings()) {
      if (m.live()) {
        live.add(m);
      }
    }
    return live;
  }

  /** One of the program's open files, at random; null if none is open. */
  public ModelFile openFile() {
    List<ModelFile> open = openFiles();
    return open.isEmpty() ? null : open.get(rng.nextInt(open.size()));
  }

  /** One of the program's live mappings, at random; null if none is live. */
  public ModelMapping liveMapping() {
    List<ModelMapping> live = liveMappings();
    return live.isEmpty() ? null : live.get(rng.nextInt(live.size()));
  }

  /** Whether this argument is to be deliberately invalid (the profile's share). */
  public boolean invalid() {
    return rng.nextInt(100) < invalidPercent;
  }

  /** A random int in [0, bound). */
  public int nextInt(int bound) {
    return rng.nextInt(bound);
  }

  public boolean nextBoolean() {
    return rng.nextBoolean();
  }

  public static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /** A file size for open: empty, a few pages, or an unaligned size. */
  public long fileSize() {
    return switch (rng.nextInt(4)) {
      case 0 -> 0;
      case 1 -> (1L + rng.nextInt(4)) * 4096;
      default -> 1 + rng.nextInt(4 * 4096);
    };
  }

  /** Offsets near where the bugs are: EOF and its page, page boundaries, or anywhere in [0, span). */
  public long interesting(long eof, long span) {
    int page = page();
    long eofPage = Math.floorDiv(eof, page) * page;
    return switch (rng.nextInt(8)) {
      case 0 -> eof;
      case 1 -> eof + rng.nextInt(64) - 32;
      case 2 -> eofPage + rng.nextInt(page);
      case 3 -> eofPage + page;
      case 4 -> (long) rng.nextInt((int) Math.max(1, span / page + 1)) * page;
      case 5 -> 0;
      default -> rng.nextLong(Math.max(1, span));
    };
  }

  /** An interesting offset of file {@code f} within [0, MAX_SIZE]. */
  public long fileOffset(ModelFile f) {
    return clamp(interesting(f.size(), MAX_SIZE), 0, MAX_SIZE);
  }

  /** An access length: a few bytes, one or two pages, or anything up to two pages. */
  public int accessLength() {
    int page = page();
    return switch (rng.nextInt(5)) {
      case 0 -> 1 + rng.nextInt(16);
      case 1 -> page;
      case 2 -> 2 * page;
      default -> 1 + rng.nextInt(2 * page);
    };
  }

  /** A block-aligned offset up to one block past {@code within}. */
  public long blockOffset(long within) {
    int bs = blockSize();
    long blocks = Math.max(1, (within + bs - 1) / bs + 1);
    return rng.nextLong(blocks) * bs;
  }

  /** A range's start: block-aligned or interesting, half each. */
  public long rangeOffset(ModelFile f) {
    return rng.nextBoolean() ? blockOffset(f.size()) : fileOffset(f);
  }
}
