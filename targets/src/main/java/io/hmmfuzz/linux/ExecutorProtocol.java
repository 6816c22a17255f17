package io.hmmfuzz.linux;

import io.hmmfuzz.core.Signal;
import io.hmmfuzz.core.exec.Advice;
import io.hmmfuzz.core.exec.CacheDrop;
import io.hmmfuzz.core.exec.DeviceCommand;
import io.hmmfuzz.core.exec.FallocMode;
import io.hmmfuzz.core.exec.MsyncMode;
import io.hmmfuzz.core.exec.Prot;
import io.hmmfuzz.core.exec.Remap;
import io.hmmfuzz.core.exec.Sharing;
import io.hmmfuzz.core.model.Outcome;
import io.hmmfuzz.core.op.FileId;
import io.hmmfuzz.core.op.MapId;
import io.hmmfuzz.core.op.Op;
import io.hmmfuzz.core.op.OpKind;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The one definition of the host-executor wire format: the calls, the codes of the domain enums and
 * the layout of a request and an answer. {@link #cHeader()} writes it as {@code executor_protocol.h}
 * for the C executor ({@code targets/src/main/c/executor.c}) when the tool builds it, so the two sides
 * cannot drift apart.
 *
 * <p>A request is {@value #REQUEST_SIZE} bytes, native byte order: magic, call, payload length, a
 * padding word, six 64-bit arguments; then the payload (a file name, or bytes to write). An answer
 * is {@value #RESPONSE_SIZE} bytes: value (-1 on error), errno (0 on success), signal code of a CPU
 * access, payload length, a padding word; then the payload (bytes read).
 */
public final class ExecutorProtocol {
  private ExecutorProtocol() {}

  static final int MAGIC = 0x484d4d46; // "HMMF"
  static final int REQUEST_SIZE = 16 + 6 * 8;
  static final int RESPONSE_SIZE = 24;
  static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

  /** What the executor is asked to do; the arguments of each, in order, in its comment. */
  enum Call {
    /**
     * create (0/1); payload: the session directory's absolute path, made first if create is 1. File
     * names of later calls resolve in it.
     */
    SESSION,
    /** remove (0/1): closes the device mirror and the session directory, and removes it and its files if 1. */
    END_SESSION,
    /** payload: name. open(O_RDWR|O_CREAT|O_EXCL). */
    CREATE,
    /** payload: name. open(O_RDONLY). */
    OPEN_READ_ONLY,
    /** payload: name. open(O_RDWR|O_DIRECT); PREAD and PWRITE use page-aligned buffers for every fd. */
    OPEN_DIRECT,
    /** fd. */
    CLOSE,
    /** fd, length, offset; the answer's payload is the bytes read. */
    PREAD,
    /** fd, offset; payload: the bytes. */
    PWRITE,
    /** fd, length. */
    FTRUNCATE,
    /** fd. */
    FSYNC,
    /** fd, falloc code, offset, length. */
    FALLOCATE,
    /** dst fd, src fd, src offset, length, dst offset. */
    CLONE_RANGE,
    /** dst fd, src fd. */
    CLONE,
    /** src fd, src offset, dst fd, dst offset, length (a size_t); the value is the bytes copied. */
    COPY_FILE_RANGE,
    /**
     * src fd, src offset, length, dst fd, dst offset: FIDEDUPERANGE with one destination; the value is
     * bytes_deduped where its status is SAME, the errno EBADE where it is DIFFERS, -status where negative.
     */
    DEDUPE,
    /** fd; the value is st_size. */
    FILE_SIZE,
    /** length, prot code, sharing code, sync (0/1), fd, offset; the value is the address. fd -1: MAP_ANONYMOUS. */
    MMAP,
    /** address, length. */
    MUNMAP,
    /** address, length, prot code. */
    MPROTECT,
    /** address, length, msync code. */
    MSYNC,
    /** address, length, advice code. */
    MADVISE,
    /** address, old length, new length, remap code; the value is the new address. */
    MREMAP,
    /** address, length. */
    MLOCK,
    /** address, length. */
    MUNLOCK,
    /**
     * cache drop code: "1", "2" or "3" written to /proc/sys/vm/drop_caches (R120). Kernel-wide: the host
     * asks only a guest's executor (Target.ownsKernel).
     */
    DROP_CACHES,
    /** address, length; the answer's signal code, and its payload the bytes loaded. */
    LOAD,
    /** address; payload: the bytes; the answer's signal code. */
    STORE,
    /**
     * device code, address, pages, buffer length, device number (which mirror); payload: WRITE's bytes;
     * the answer's payload: the buffer.
     */
    DEVICE,
    /** address; the value is the prot code of the VMA holding it (none where no VMA does). */
    PROTECTION_AT,
    /**
     * write (0/1), address, length, page size; payload: a store's bytes. Page by page up to the first
     * fault: the value is the bytes done, the signal code that fault's; a load's payload the bytes done.
     */
    ACCESS,
    /**
     * address, pages, page size: each page loaded on its own. The payload is one signal code byte per
     * page, then the pages' bytes (zeros where a page faulted).
     */
    LOAD_PAGES,
    /**
     * write (0/1), address, length, page size; payload: a store's bytes. fork(2): the child makes ACCESS's
     * accesses and exits, the parent waits; answered as ACCESS is, or with fork's errno (ECHILD: the
     * child died without reporting).
     */
    FORK,
    /**
     * fd: fstat's st_size as the value, and the bytes [0, size) read by pread until size or end of file
     * as the payload (none for a size past 2^31-1); the first failure is the answer's errno.
     */
    READ_WHOLE_FILE,
    /** payload: argv, NUL-separated. The value is the exit status, the payload the tool's output. */
    RUN,
    /** payload: a path. The payload is the file's bytes (up to 1 MiB): /proc's text files. */
    READ_TEXT,
    /** payload: a path. statx's STATX_ATTR_DAX: 1 set, 0 clear, 2 not reported by the kernel. */
    STATX_DAX,
    /** payload: a path. statvfs's f_bsize. */
    BLOCK_SIZE,
    /** The page size. */
    PAGE_SIZE,
    /** The kernel log's messages since the last call (from the executor's start), one per line. */
    KERNEL_LOG,
    /** Re-arms every WARN_ON_ONCE (debugfs clear_warn_once): only in a guest, whose kernel is ours. */
    REARM_WARN_ONCE,
    /** payload: one line for the kernel log (/dev/kmsg), as a planted bug's WARNING. */
    WRITE_KERNEL_LOG,
    /**
     * ops, view interval (0: views after the last op only; -1: none), {@link ProgramFlag}s, file slots,
     * mapping slots, session path length; payload: the session path (with SESSION), then the ops
     * ({@link #program}). Runs the whole program in the session directory and answers with a stream of
     * {@link Record}s: a LOG record of op -1 (what the kernel logged before the program), per op its OP
     * record and a LOG record, then where views are due the views and VIEWS_END (whose payload is the
     * kernel log read meanwhile), and at last PROGRAM_END, after every mapping is unmapped and every fd
     * closed (and, with END_SESSION, the session ended): its status is the session's end, its payload
     * the kernel log read meanwhile. A session directory that cannot be made ends the program before
     * its first op: PROGRAM_END of op -1 with the error.
     */
    RUN_PROGRAM,
    /**
     * programs, view interval, {@link ProgramFlag}s; payload: per program four 32-bit words (ops, file
     * slots, mapping slots, bytes) and its ops. Runs each quietly (nothing streamed back) in a fresh
     * directory of the session directory, removed after it: the value is the nanoseconds taken, the
     * executor's own speed with no host in the loop. The payload is where the time went: a (count,
     * nanoseconds) pair of 64 bits per {@link FloorSlot} slot.
     */
    FLOOR;

    int code() {
      return ordinal() + 1;
    }
  }

  /** RUN_PROGRAM's and FLOOR's flags, bit {@code 1 << ordinal}. */
  enum ProgramFlag {
    /** The kernel log is read after each op and its views, and sent in LOG and VIEWS_END. */
    KERNEL_LOG,
    /** The views include test_hmm's READ of each page of each live mapping. */
    DEVICE_VIEWS,
    /** Nothing is sent back. */
    QUIET,
    /** The payload starts with a session directory's path (its length is the sixth argument): made first. */
    SESSION,
    /** The kernel's WARN_ON_ONCE are re-armed before the program (a guest's kernel only). */
    REARM,
    /** The session ends after the program: its directory and files removed, the device mirror closed. */
    END_SESSION,
    /**
     * The program goes on with the device mirror the program before it left open, and leaves it open
     * for the next (END_SESSION does not close it); without it, the program's first device op opens a
     * fresh mirror. See {@link io.hmmfuzz.core.exec.Target.Mirror#KEPT}.
     */
    KEEP_MIRROR;

    int bit() {
      return 1 << ordinal();
    }
  }

  /**
   * Where a floor's time is counted besides each op kind: FLOOR's answer holds a (count, nanoseconds)
   * pair per slot, the views at 0, each op kind at its code, then these in order.
   */
  enum FloorSlot {
    VIEWS("views"),
    VIEW_FILES("  of which file views"),
    VIEW_CPU("  of which CPU views"),
    VIEW_DEVICE("  of which device views"),
    DIRECTORY("program directories made"),
    DIRECTORY_REMOVED("program directories removed"),
    RELEASE("program ends (unmap, close)"),
    MIRROR("device mirror closed");

    final String what;

    FloorSlot(String what) {
      this.what = what;
    }

    int index() {
      return this == VIEWS ? 0 : OpKind.values().length + ordinal();
    }

    /** How many slots a floor's answer has. */
    static int slots() {
      return OpKind.values().length + values().length;
    }

    /**
     * What slot {@code i} of a floor's answer counts: an op kind's id, or one of these (whose names are
     * no op kind's id: the floor's breakdown is a map by name).
     */
    static String name(int i) {
      return i >= 1 && i <= OpKind.values().length ? OpKind.values()[i - 1].id()
          : values()[i == 0 ? 0 : i - OpKind.values().length].what;
    }
  }

  /** What a record of a program's stream is. */
  enum Record {
    /** id: the op's index; status, value, error, signal and data: its outcome. */
    OP,
    /** payload: the kernel log's lines since the record before (when asked for), one per line. */
    LOG,
    /** id: the file's index; the outcome of reading it whole. */
    FILE_VIEW,
    /** id: the mapping's index, page: the page's index; the outcome of its CPU load. */
    CPU_VIEW,
    /** id: the mapping's index, page: the page's index; the outcome of test_hmm's READ of it. */
    DEVICE_VIEW,
    /** The views after an op are over; payload: the kernel log read meanwhile. */
    VIEWS_END,
    /** The program is over and released. */
    PROGRAM_END;

    int code() {
      return ordinal() + 1;
    }
  }

  static final int RECORD_SIZE = 40;

  /** A record's header fields. */
  record RecordHeader(Record kind, Outcome.Status status, long value, int errno, int signal, int id, int page,
      boolean hasData, int payload) {
    static RecordHeader read(ByteBuffer b) {
      b.order(ORDER);
      int kind = b.getInt(0);
      if (kind < 1 || kind > Record.values().length) {
        throw new IllegalStateException("the executor sent a record of kind " + kind);
      }
      return new RecordHeader(Record.values()[kind - 1], Outcome.Status.values()[b.getInt(4)], b.getLong(8),
          b.getInt(16), b.getInt(20), b.getInt(24), b.getInt(28), b.getInt(32) != 0, b.getInt(36));
    }
  }

  /**
   * A program's ops as RUN_PROGRAM's payload: per op its {@link OpKind}'s code (ordinal + 1), its
   * argument count, then its record components in order as 64-bit values: a file or mapping by index,
   * a number as it is, a flag as 0 or 1, an enum by its code.
   */
  static byte[] program(List<Op> ops) {
    int size = 0;
    Object[][] args = new Object[ops.size()][];
    for (int i = 0; i < args.length; i++) {
      Op op = ops.get(i);
      args[i] = op.kind().arguments(op);
      size += 8 + 8 * args[i].length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ORDER);
    for (int i = 0; i < args.length; i++) {
      b.putInt(ops.get(i).kind().ordinal() + 1).putInt(args[i].length);
      for (Object a : args[i]) {
        b.putLong(argument(a));
      }
    }
    return b.array();
  }

  private static long argument(Object v) {
    if (v == null) {
      return -1; // an anonymous mapping's file (R110)
    }
    if (v instanceof FileId f) {
      return f.n();
    } else if (v instanceof MapId m) {
      return m.n();
    } else if (v instanceof Boolean flag) {
      return flag ? 1 : 0;
    } else if (v instanceof Number n) {
      return n.longValue();
    } else if (v instanceof Enum<?> e) {
      return e.ordinal();
    }
    throw new IllegalStateException("no wire form for an op argument of " + v.getClass());
  }

  static int code(Prot p) {
    return p.ordinal();
  }

  static Prot prot(long code) {
    return Prot.values()[(int) code];
  }

  static int code(Sharing s) {
    return s.ordinal();
  }

  static int code(MsyncMode m) {
    return m.ordinal();
  }

  static int code(Advice a) {
    return a.ordinal();
  }

  static int code(Remap r) {
    return r.ordinal();
  }

  static int code(CacheDrop d) {
    return d.ordinal();
  }

  static int code(FallocMode m) {
    return m.ordinal();
  }

  static int code(DeviceCommand c) {
    return c.ordinal();
  }

  static Signal signal(int code) {
    return Signal.values()[code];
  }

  /** A request header for {@code call} with {@code payload} bytes following. */
  static void request(ByteBuffer b, Call call, int payload, long... args) {
    b.clear().order(ORDER);
    b.putInt(MAGIC).putInt(call.code()).putInt(payload).putInt(0);
    for (int i = 0; i < 6; i++) {
      b.putLong(i < args.length ? args[i] : 0);
    }
    b.flip();
  }

  /** An answer's header fields. */
  record Answer(long value, int errno, int signal, int payload) {
    static Answer read(ByteBuffer b) {
      b.order(ORDER);
      Answer a = new Answer(b.getLong(0), b.getInt(8), b.getInt(12), b.getInt(16));
      return a;
    }
  }

  /** executor_protocol.h: the same definitions, for executor.c. */
  static String cHeader() {
    StringBuilder h = new StringBuilder();
    h.append("/* Written by io.hmmfuzz.linux.ExecutorProtocol when the tool builds the executor; do not edit. */\n")
        .append("#ifndef EXECUTOR_PROTOCOL_H\n#define EXECUTOR_PROTOCOL_H\n#include <stdint.h>\n\n")
        .append("#define EXEC_MAGIC 0x").append(Integer.toHexString(MAGIC)).append("u\n\n");
    for (Call c : Call.values()) {
      h.append("#define EXEC_CALL_").append(c.name()).append(' ').append(c.code()).append('\n');
    }
    h.append("static const char *const exec_call_names[] = {\n\t\"none\",\n");
    for (Call c : Call.values()) {
      h.append("\t\"").append(c.name()).append("\",\n");
    }
    h.append("};\n");
    enumCodes(h, "PROT", Prot.values());
    enumCodes(h, "SHARING", Sharing.values());
    enumCodes(h, "MSYNC", MsyncMode.values());
    enumCodes(h, "FALLOC", FallocMode.values());
    enumCodes(h, "ADVICE", Advice.values());
    enumCodes(h, "REMAP", Remap.values());
    enumCodes(h, "DROP", CacheDrop.values());
    enumCodes(h, "DEVICE", DeviceCommand.values());
    enumCodes(h, "SIGNAL", Signal.values());
    enumCodes(h, "STATUS", Outcome.Status.values());
    h.append('\n');
    for (Record r : Record.values()) {
      h.append("#define EXEC_RECORD_").append(r.name()).append(' ').append(r.code()).append('\n');
    }
    h.append('\n');
    for (ProgramFlag f : ProgramFlag.values()) {
      h.append("#define EXEC_PROGRAM_").append(f.name()).append(' ').append(f.bit()).append('\n');
    }
    h.append("\n/* The ops of a program (io.hmmfuzz.core.op.OpKind) and the index of each argument. */\n");
    for (OpKind k : OpKind.values()) {
      h.append("#define EXEC_OP_").append(k.name()).append(' ').append(k.ordinal() + 1).append('\n');
      RecordComponent[] cs = k.components();
      for (int i = 0; i < cs.length; i++) {
        h.append("#define EXEC_OP_").append(k.name()).append('_')
            .append(cs[i].getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT))
            .append(' ').append(i).append('\n');
      }
      h.append("#define EXEC_OP_").append(k.name()).append("_ARGS ").append(cs.length).append('\n');
    }
    h.append("#define EXEC_OP_KINDS ").append(OpKind.values().length).append('\n');
    h.append("\n/* FLOOR's profile: a slot per op kind (its code) and these. */\n");
    for (FloorSlot f : FloorSlot.values()) {
      h.append("#define EXEC_PROFILE_").append(f.name()).append(' ').append(f.index()).append('\n');
    }
    h.append("#define EXEC_PROFILE_SLOTS ").append(FloorSlot.slots()).append('\n');
    h.append("\n/* Native byte order (the host and the guest are both x86-64). */\n")
        .append("struct executor_request {\n\tuint32_t magic;\n\tuint32_t call;\n\tuint32_t payload;\n")
        .append("\tuint32_t pad;\n\tint64_t arg[6];\n};\n")
        .append("struct executor_response {\n\tint64_t value;\n\tint32_t error;\n\tint32_t signal;\n")
        .append("\tuint32_t payload;\n\tuint32_t pad;\n};\n")
        .append("struct executor_record {\n\tuint32_t kind;\n\tuint32_t status;\n\tint64_t value;\n")
        .append("\tint32_t error;\n\tint32_t signal;\n\tint32_t id;\n\tint32_t page;\n\tint32_t has_data;\n")
        .append("\tuint32_t payload;\n};\n")
        .append("_Static_assert(sizeof(struct executor_record) == ").append(RECORD_SIZE).append(", \"record\");\n")
        .append("_Static_assert(sizeof(struct executor_request) == ").append(REQUEST_SIZE).append(", \"request\");\n")
        .append("_Static_assert(sizeof(struct executor_response) == ").append(RESPONSE_SIZE).append(", \"response\");\n")
        .append("#endif\n");
    return h.toString();
  }

  private static void enumCodes(StringBuilder h, String prefix, Enum<?>[] values) {
    h.append('\n');
    for (Enum<?> v : values) {
      h.append("#define EXEC_").append(prefix).append('_').append(v.name()).append(' ').append(v.ordinal()).append('\n');
    }
  }
}
