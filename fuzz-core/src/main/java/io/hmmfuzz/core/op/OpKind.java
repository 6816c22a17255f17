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

/**
 * The op table, the sole source of op names for printing, parsing and generation weights (fsx's
 * {@code op_names[]}). Arguments are the record's components, in order.
 */
public enum OpKind {
  OPEN(Open.class),
  CLOSE(Close.class),
  MMAP(Mmap.class),
  MUNMAP(Munmap.class),
  MPROTECT(Mprotect.class),
  LOAD(Load.class),
  STORE(Store.class),
  PWRITE(Pwrite.class),
  PREAD(Pread.class),
  FTRUNCATE(Ftruncate.class),
  FSYNC(Fsync.class),
  MSYNC(Msync.class),
  /** FICLONE and FICLONERANGE enter one kernel path: ioctl_file_clone, vfs_clone_file_range (R19). */
  REFLINK(Reflink.class, false, "remap_file_range"),
  CLONE(Clone.class, false, "remap_file_range"),
  PUNCH_HOLE(PunchHole.class),
  ZERO_RANGE(ZeroRange.class),
  DREAD(DeviceRead.class, true),
  DWRITE(DeviceWrite.class, true),
  SNAPSHOT(Snapshot.class, true),
  MIGRATE(Migrate.class, true),
  MIGRATE_BACK(MigrateBack.class, true),
  EXCLUSIVE(Exclusive.class, true),
  CHECK_EXCLUSIVE(CheckExclusive.class, true);

  private final Class<? extends Op> type;
  private final RecordComponent[] components;
  /** The components' accessors, as (Op) -> Object. */
  private final MethodHandle[] accessors;
  private final Constructor<? extends Op> constructor;
  private final boolean device;
  private final String kernelPath;

  OpKind(Class<? extends Op> type) {
    this(type, false);
  }

  OpKind(Class<? extends Op> type, boolean device) {
    this(type, device, null);
  }

  OpKind(Class<? extends Op> type, boolean device, String kernelPath) {
    this.type = type;
    this.device = device;
    this.kernelPath = kernelPath;
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
      if (components[i].getType() == type) {
        out.add(type.cast(argument(op, i)));
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
