package io.hmmfuzz.gen;

import io.hmmfuzz.core.Capabilities;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Model;
import io.hmmfuzz.core.model.ModelFile;
import io.hmmfuzz.core.model.ModelMapping;
import io.hmmfuzz.core.op.Clone;
import io.hmmfuzz.core.op.DeviceRead;
import io.hmmfuzz.core.op.DeviceWrite;
import io.hmmfuzz.core.op.Snapshot;
import io.hmmfuzz.core.op.Migrate;
import io.hmmfuzz.core.op.MigrateBack;
import io.hmmfuzz.core.op.Exclusive;
import io.hmmfuzz.core.op.CheckExclusive;
import io.hmmfuzz.core.op.Close;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.Fsync;
import io.hmmfuzz.core.op.Ftruncate;
import io.hmmfuzz.core.op.Load;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Mmap;
import io.hmmfuzz.core.op.Mprotect;
import io.hmmfuzz.core.op.Msync;
import io.hmmfuzz.core.op.Munmap;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import io.hmmfuzz.core.op.Open;
import io.hmmfuzz.core.op.Pread;
import io.hmmfuzz.core.op.PunchHole;
import io.hmmfuzz.core.op.Pwrite;
import io.hmmfuzz.core.op.Reflink;
import io.hmmfuzz.core.op.Store;
import io.hmmfuzz.core.op.ZeroRange;
import io.hmmfuzz.core.run.Program;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random programs that know the program's state: a model runs alongside generation, so the
 * generator knows which files and mappings exist and how big files are. Most ops are valid and aim at
 * interesting places (page boundaries, EOF, the EOF page's tail, block alignment); a profile-set share
 * of arguments is deliberately invalid. The same seed and profile give the same program.
 */
public final class ProgramGenerator {
  static final int MAX_FILES = 3;
  static final int MAX_MAPPINGS = 4;
  static final long MAX_SIZE = 8 * 4096;

  private final Profile profile;
  private final Capabilities caps;

  public ProgramGenerator(Profile profile, Capabilities caps) {
    this.profile = profile;
    this.caps = caps;
  }

  public Program generate(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Model model = new Model(caps);
    List<Op> ops = new ArrayList<>();
    int files = 0;
    int maps = 0;
    for (int i = 0; i < profile.maxOps(); i++) {
      Op op = null;
      for (int attempt = 0; attempt < 20 && op == null; attempt++) {
        op = next(rng, model, pick(rng), files, maps);
      }
      if (op == null) {
        op = new Open(new FileId(files), pageish(rng));
      }
      if (op instanceof Open) {
        files++;
      } else if (op instanceof Mmap) {
        maps++;
      }
      op.model(model, i);
      ops.add(op);
    }
    return new Program(ops);
  }

  private int weight(OpKind k) {
    return k.device() && !caps.testHmm() ? 0 : profile.weight(k);
  }

  private OpKind pick(SplittableRandom rng) {
    int total = 0;
    for (OpKind k : OpKind.values()) {
      total += weight(k);
    }
    int r = rng.nextInt(total);
    for (OpKind k : OpKind.values()) {
      r -= weight(k);
      if (r < 0) {
        return k;
      }
    }
    throw new IllegalStateException();
  }

  private boolean invalid(SplittableRandom rng) {
    return rng.nextInt(100) < profile.invalidPercent();
  }

  /** An op of kind k for the current state, or null if the state does not allow one. */
  private Op next(SplittableRandom rng, Model model, OpKind k, int files, int maps) {
    List<ModelFile> open = new ArrayList<>();
    for (ModelFile f : model.files()) {
      if (f.open()) {
        open.add(f);
      }
    }
    List<ModelMapping> live = new ArrayList<>();
    for (ModelMapping m : model.mappings()) {
      if (m.live()) {
        live.add(m);
      }
    }
    int page = model.page();
    int bs = caps.blockSize();
    if (k == OpKind.OPEN) {
      return open.size() < MAX_FILES ? new Open(new FileId(files), pageish(rng)) : null;
    }
    if (open.isEmpty() && k != OpKind.LOAD && k != OpKind.STORE && k != OpKind.MUNMAP && k != OpKind.MPROTECT
        && k != OpKind.MSYNC) {
      return null;
    }
    ModelFile f = open.isEmpty() ? null : open.get(rng.nextInt(open.size()));
    ModelMapping m = live.isEmpty() ? null : live.get(rng.nextInt(live.size()));
    switch (k) {
      case CLOSE:
        return rng.nextInt(4) == 0 ? new Close(f.id()) : null;
      case MMAP: {
        if (live.size() >= MAX_MAPPINGS || maps >= 8) {
          return null;
        }
        long off = invalid(rng) ? 1 + rng.nextInt(page - 1) : (long) rng.nextInt(3) * page;
        long len = invalid(rng) && rng.nextBoolean() ? 0
            : rng.nextInt(8) == 0 ? 1 + rng.nextInt(4 * page) : (1L + rng.nextInt(4)) * page;
        int p = rng.nextInt(10);
        Prot prot = p < 7 ? Prot.READ_WRITE : p < 9 ? Prot.READ : Prot.NONE;
        Sharing sharing = rng.nextInt(10) < 7 ? Sharing.SHARED : Sharing.PRIVATE;
        boolean sync = sharing == Sharing.SHARED && (caps.mapSync() ? rng.nextInt(3) == 0 : invalid(rng));
        return new Mmap(new MapId(maps), f.id(), off, len, prot, sharing, sync);
      }
      case MUNMAP:
        return m == null || rng.nextInt(3) != 0 ? null : new Munmap(m.id());
      case MPROTECT: {
        if (m == null) {
          return null;
        }
        int p = rng.nextInt(10);
        return new Mprotect(m.id(), p < 6 ? Prot.READ_WRITE : p < 9 ? Prot.READ : Prot.NONE);
      }
      case LOAD:
      case STORE: {
        if (m == null) {
          return null;
        }
        long span = model.roundUpPage(m.length());
        ModelFile mf = model.file(m.file());
        long eofInMap = mf.size() - m.offset();
        long off = clamp(interesting(rng, eofInMap, page, span), 0, span - 1);
        int len = (int) Math.min(span - off, accessLength(rng, page));
        return k == OpKind.LOAD ? new Load(m.id(), off, len) : new Store(m.id(), off, len);
      }
      case PWRITE: {
        long off = invalid(rng) && rng.nextInt(4) == 0 ? -1 : clamp(interesting(rng, f.size(), page, MAX_SIZE), 0, MAX_SIZE);
        int len = rng.nextInt(20) == 0 ? 0 : accessLength(rng, page);
        return new Pwrite(f.id(), off, len);
      }
      case PREAD: {
        long off = invalid(rng) && rng.nextInt(4) == 0 ? -1 : clamp(interesting(rng, f.size(), page, MAX_SIZE), 0, MAX_SIZE);
        return new Pread(f.id(), off, accessLength(rng, page));
      }
      case FTRUNCATE: {
        long size = invalid(rng) && rng.nextInt(3) == 0 ? -1 : clamp(interesting(rng, f.size(), page, MAX_SIZE), 0, MAX_SIZE);
        return new Ftruncate(f.id(), size);
      }
      case FSYNC:
        return new Fsync(f.id());
      case DREAD:
      case DWRITE:
      case SNAPSHOT:
      case MIGRATE:
      case MIGRATE_BACK:
      case EXCLUSIVE:
      case CHECK_EXCLUSIVE: {
        if (m == null) {
          return null;
        }
        int pagesInMap = (int) (model.roundUpPage(m.length()) / page);
        long pg = rng.nextInt(pagesInMap);
        long off = invalid(rng) && rng.nextInt(2) == 0 ? pg * page + 1 + rng.nextInt(page - 1) : pg * page;
        int n = Math.min(1 + rng.nextInt((int) (pagesInMap - pg)), (int) ((pagesInMap * (long) page - off) / page));
        if (invalid(rng) && rng.nextInt(3) == 0) {
          n = 0;
        }
        return switch (k) {
          case DREAD -> new DeviceRead(m.id(), off, n);
          case SNAPSHOT -> new Snapshot(m.id(), off, n);
          case MIGRATE -> new Migrate(m.id(), off, n);
          case MIGRATE_BACK -> new MigrateBack(m.id(), off, n);
          case EXCLUSIVE -> new Exclusive(m.id(), off, n);
          case CHECK_EXCLUSIVE -> new CheckExclusive(m.id(), off, n);
          default -> new DeviceWrite(m.id(), off % page == 0 ? off : pg * page);
        };
      }
      case MSYNC: {
        if (m == null) {
          return null;
        }
        MsyncMode mode = invalid(rng) ? MsyncMode.SYNC_ASYNC
            : MsyncMode.values()[rng.nextInt(MsyncMode.values().length - 1)];
        return new Msync(m.id(), mode);
      }
      case REFLINK: {
        ModelFile src = open.get(rng.nextInt(open.size()));
        long srcOff = blockOffset(rng, src.size(), bs);
        long dstOff = blockOffset(rng, f.size() + 2L * bs, bs);
        long len;
        int c = rng.nextInt(4);
        if (c == 0) {
          len = 0;
        } else if (c == 1) {
          len = Math.max(0, src.size() - srcOff);
        } else {
          len = (1L + rng.nextInt(3)) * bs;
        }
        if (invalid(rng)) {
          switch (rng.nextInt(3)) {
            case 0 -> srcOff += 1 + rng.nextInt(bs - 1);
            case 1 -> dstOff += 1 + rng.nextInt(bs - 1);
            default -> len += 1 + rng.nextInt(bs - 1);
          }
        }
        return new Reflink(f.id(), src.id(), srcOff, dstOff, len);
      }
      case CLONE: {
        ModelFile src = open.get(rng.nextInt(open.size()));
        return new Clone(f.id(), src.id());
      }
      case PUNCH_HOLE: {
        long off = rng.nextBoolean() ? blockOffset(rng, f.size(), bs) : clamp(interesting(rng, f.size(), page, MAX_SIZE), 0, MAX_SIZE);
        long len = invalid(rng) ? 0 : accessLength(rng, page);
        return new PunchHole(f.id(), off, len);
      }
      case ZERO_RANGE: {
        long off = rng.nextBoolean() ? blockOffset(rng, f.size(), bs) : clamp(interesting(rng, f.size(), page, MAX_SIZE), 0, MAX_SIZE);
        long len = invalid(rng) ? 0 : accessLength(rng, page);
        return new ZeroRange(f.id(), off, len, rng.nextBoolean());
      }
      default:
        return null;
    }
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /** A file size for open: empty, a few pages, or an unaligned size. */
  private static long pageish(SplittableRandom rng) {
    return switch (rng.nextInt(4)) {
      case 0 -> 0;
      case 1 -> (1L + rng.nextInt(4)) * 4096;
      default -> 1 + rng.nextInt(4 * 4096);
    };
  }

  /** Offsets near where the bugs are: EOF and its page, page boundaries, or anywhere in range. */
  private static long interesting(SplittableRandom rng, long eof, int page, long span) {
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

  private static int accessLength(SplittableRandom rng, int page) {
    return switch (rng.nextInt(5)) {
      case 0 -> 1 + rng.nextInt(16);
      case 1 -> page;
      case 2 -> 2 * page;
      default -> 1 + rng.nextInt(2 * page);
    };
  }

  private static long blockOffset(SplittableRandom rng, long within, int bs) {
    long blocks = Math.max(1, (within + bs - 1) / bs + 1);
    return rng.nextLong(blocks) * bs;
  }
}
