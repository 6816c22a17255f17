package io.hmmfuzz.core.op;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The op table (fsx's {@code op_names[]}): per kind its record, its generator and its default weight,
 * the sole source of op names for printing, parsing, the executors' wire format and generation.
 * Arguments are the record's components, in order.
 */
public enum OpKind {
  OPEN(Open.class, Open::generate, 4),
  CLOSE(Close.class, Close::generate, 1),
  MMAP(Mmap.class, Mmap::generate, 8),
  MUNMAP(Munmap.class, Munmap::generate, 2),
  MPROTECT(Mprotect.class, Mprotect::generate, 2),
  LOAD(Load.class, Load::generate, 14),
  STORE(Store.class, Store::generate, 14),
  PWRITE(Pwrite.class, Pwrite::generate, 10),
  PREAD(Pread.class, Pread::generate, 6),
  FTRUNCATE(Ftruncate.class, Ftruncate::generate, 10),
  FSYNC(Fsync.class, Fsync::generate, 3),
  MSYNC(Msync.class, Msync::generate, 3),
  /** FICLONE and FICLONERANGE enter one kernel path: ioctl_file_clone, vfs_clone_file_range (R19). */
  REFLINK(Reflink.class, Reflink::generate, 6, Trait.ENTERS_REMAP),
  CLONE(Clone.class, Clone::generate, 2, Trait.ENTERS_REMAP),
  /**
   * copy_file_range(2): its own path, vfs_copy_file_range, which tries remap_file_range only where the
   * filesystem has one and then splices (R71), so it is not counted as entering remap.
   */
  COPY_FILE_RANGE(CopyFileRange.class, CopyFileRange::generate, 4),
  /** FIDEDUPERANGE: vfs_dedupe_file_range_one calls remap_file_range wherever there is one (R75). */
  DEDUPE(Dedupe.class, Dedupe::generate, 3, Trait.ENTERS_REMAP),
  PUNCH_HOLE(PunchHole.class, PunchHole::generate, 3),
  ZERO_RANGE(ZeroRange.class, ZeroRange::generate, 3),
  FALLOCATE(Fallocate.class, Fallocate::generate, 3),
  COLLAPSE_RANGE(CollapseRange.class, CollapseRange::generate, 2),
  INSERT_RANGE(InsertRange.class, InsertRange::generate, 2),
  MADVISE(Madvise.class, Madvise::generate, 4),
  MREMAP(Mremap.class, Mremap::generate, 3),
  MLOCK(Mlock.class, Mlock::generate, 2),
  MUNLOCK(Munlock.class, Munlock::generate, 1),
  DREAD(DeviceRead.class, DeviceRead::generate, 8, Trait.DEVICE),
  DWRITE(DeviceWrite.class, DeviceWrite::generate, 8, Trait.DEVICE),
  SNAPSHOT(Snapshot.class, Snapshot::generate, 5, Trait.DEVICE),
  MIGRATE(Migrate.class, Migrate::generate, 5, Trait.DEVICE),
  MIGRATE_BACK(MigrateBack.class, MigrateBack::generate, 3, Trait.DEVICE),
  EXCLUSIVE(Exclusive.class, Exclusive::generate, 3, Trait.DEVICE),
  CHECK_EXCLUSIVE(CheckExclusive.class, CheckExclusive::generate, 2, Trait.DEVICE),
  RELEASE(Release.class, Release::generate, 1, Trait.DEVICE),
  /** fork(2) with a child that touches one mapping and exits (R110-R116): a child process, a capability. */
  FORK(Fork.class, Fork::generate, 2, Trait.CHILD_PROCESS),
  /**
   * A write to /proc/sys/vm/drop_caches (R120): it drops the caches of the whole kernel, so it runs only
   * on a kernel the tool owns (a guest it booted), never on the local one.
   */
  DROP_CACHES(DropCaches.class, DropCaches::generate, 1, Trait.SYSTEM_WIDE);

  /** What sets a kind apart where it matters beyond its record. */
  enum Trait {
    /** The op needs the test_hmm device mirror. */
    DEVICE,
    /** The op enters remap_file_range (its kernel path for telling bugs apart). */
    ENTERS_REMAP,
    /**
     * The op runs code in a child process of the program's: an executor capability
     * ({@code Target.forks}), which a JVM executor lacks (no Java runs in a forked child).
     */
    CHILD_PROCESS,
    /**
     * The op changes state of the whole kernel beyond the program's files and mappings (drop_caches
     * drops every filesystem's caches): a target capability ({@code Target.ownsKernel}), which only a
     * kernel the tool booted has; the tool changes only what it made on the local kernel.
     */
    SYSTEM_WIDE
  }

  private final Class<? extends Op> type;
  private final RecordComponent[] components;
  /** The components' accessors, as (Op) -> Object. */
  private final MethodHandle[] accessors;
  private final Constructor<? extends Op> constructor;
  private final Function<Generation, Op> generator;
  private final int weight;
  private final boolean device;
  private final boolean childProcess;
  private final boolean systemWide;
  private final String kernelPath;

  OpKind(Class<? extends Op> type, Function<Generation, Op> generator, int weight, Trait... traits) {
    this.type = type;
    this.generator = generator;
    this.weight = weight;
    List<Trait> t = List.of(traits);
    this.device = t.contains(Trait.DEVICE);
    this.childProcess = t.contains(Trait.CHILD_PROCESS);
    this.systemWide = t.contains(Trait.SYSTEM_WIDE);
    this.kernelPath = t.contains(Trait.ENTERS_REMAP) ? "remap_file_range" : null;
    this.components = type.getRecordComponents();
    this.accessors = new MethodHandle[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        accessors[i] = MethodHandles.lookup().unreflect(components[i].getAccessor())
            .asType(MethodType.methodType(Object.class, Op.class));
      }
    } catch (IllegalAccessException e) {
      throw new ExceptionInInitializerError(e);
    }
    try {
      this.constructor = type.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The kernel path the op enters, for telling one bug's symptoms from another bug's: kinds that enter
   * the same path share it; by default the kind's own name.
   */
  public String kernelPath() {
    return kernelPath != null ? kernelPath : id();
  }

  /** An op of this kind for the program so far ({@code static Op generate(Generation)} on its record), or null. */
  public Op generate(Generation g) {
    return generator.apply(g);
  }

  /** The kind's weight in the default profile: how often, relative to the others, it is generated. */
  public int defaultWeight() {
    return weight;
  }

  /** Whether the op runs code in a child process (an executor that can fork, {@code Target.forks}). */
  public boolean childProcess() {
    return childProcess;
  }

  /**
   * Whether the op changes state of the whole kernel beyond the program's files and mappings (a kernel
   * the tool owns, {@code Target.ownsKernel}: never the local one).
   */
  public boolean systemWide() {
    return systemWide;
  }

  /** Whether the op needs the test_hmm device mirror. */
  public boolean device() {
    return device;
  }

  /** The name in reproducers, e.g. {@code punch-hole}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public Class<? extends Op> type() {
    return type;
  }

  public RecordComponent[] components() {
    return components.clone();
  }

  /** Argument {@code i} of {@code op} (an op of this kind): its record's i-th component. */
  public Object argument(Op op, int i) {
    try {
      return accessors[i].invokeExact(op);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The arguments of {@code op} (an op of this kind), in record order. */
  public Object[] arguments(Op op) {
    Object[] args = new Object[accessors.length];
    for (int i = 0; i < args.length; i++) {
      args[i] = argument(op, i);
    }
    return args;
  }

  /** The op's arguments of type {@code type} (FileId, MapId), in record order. */
  public <T> List<T> resources(Op op, Class<T> type) {
    List<T> out = new ArrayList<>(2);
    for (int i = 0; i < components.length; i++) {
      Object v = components[i].getType() == type ? argument(op, i) : null;
      if (v != null) { // an anonymous mapping's file is null
        out.add(type.cast(v));
      }
    }
    return out;
  }

  public Op construct(Object[] args) {
    try {
      return constructor.newInstance(args);
    } catch (ReflectiveOperationException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(c.getMessage(), c);
    }
  }

  public static OpKind of(Op op) {
    return BY_TYPE.get(op.getClass());
  }

  private static final ClassValue<OpKind> BY_TYPE = new ClassValue<>() {
    @Override
    protected OpKind computeValue(Class<?> type) {
      for (OpKind k : values()) {
        if (k.type == type) {
          return k;
        }
      }
      throw new IllegalStateException("op " + type + " missing from OpKind");
    }
  };

  public static OpKind byId(String id) {
    for (OpKind k : values()) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    return null;
  }
}
