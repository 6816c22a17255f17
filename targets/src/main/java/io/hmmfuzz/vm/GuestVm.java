package io.hmmfuzz.vm;

import io.hmmfuzz.linux.ConsoleWatch;
import io.hmmfuzz.linux.LinuxTarget;
import io.hmmfuzz.linux.ScratchFilesystem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a guest kernel runs under QEMU (KVM when /dev/kvm works, TCG otherwise): the host's root shared
 * read-only over 9p (the guest's tools and the C executor's binary), a writable 9p share (its init
 * script), memmap= for a pmem device for fs-dax, and the console watched for kernel reports. The guest
 * itself is {@link ExecutorGuest}: its init runs the C executor and nothing else.
 */
public final class GuestVm {
  /** How long a guest may make no progress after a kernel report on its console before it counts as stuck. */
  static final Duration REPORT_STALL = Duration.ofSeconds(20);

  public static final String MEMORY = "3G";
  /** 1 GiB of the guest's RAM at 1 GiB becomes /dev/pmem0 (legacy pmem, CONFIG_X86_PMEM_LEGACY). */
  public static final String MEMMAP = "memmap=1G!1G";

  private GuestVm() {}

  /** The guest's writable scratch directory (a tmpfs): its HOME, TMPDIR and scratch base. */
  static final String GUEST_SCRATCH = "/run";

  /**
   * A running QEMU: its console read line by line into a {@link ConsoleWatch}, a tail of the last
   * lines and a count of them all (each line also to {@code onLine}), and a shutdown hook that takes QEMU and the work directory
   * with this JVM if it ends first.
   */
  record Qemu(Process process, Thread reaper, Thread reader, ConsoleWatch watch, List<String> tail,
      java.util.concurrent.atomic.AtomicLong lines) {
    static final int TAIL = 60;

    static Qemu start(List<String> command, Path work, Consumer<String> onLine) throws IOException {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
      Thread reaper = new Thread(() -> {
        p.destroyForcibly();
        ScratchFilesystem.deleteTree(work);
      }, "hmmfuzz-vm-reaper");
      Runtime.getRuntime().addShutdownHook(reaper);
      ConsoleWatch watch = new ConsoleWatch();
      List<String> tail = new ArrayList<>();
      java.util.concurrent.atomic.AtomicLong lines = new java.util.concurrent.atomic.AtomicLong();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null;) {
            line = line.replace("\r", "");
            synchronized (tail) {
              tail.add(line);
              if (tail.size() > TAIL) {
                tail.remove(0);
              }
            }
            watch.accept(line);
            onLine.accept(line);
            lines.incrementAndGet();
          }
        } catch (IOException e) {
          // QEMU went away
        }
      }, "hmmfuzz-vm-console");
      reader.setDaemon(true);
      reader.start();
      return new Qemu(p, reaper, reader, watch, tail, lines);
    }
  }

  /**
   * The QEMU command line of a guest: the host's root read-only over 9p, {@code share} writable, the
   * pmem of {@link #MEMMAP}, test_hmm's device-coherent memory ({@link io.hmmfuzz.linux.HmmUapi#COHERENT_BOOT_ARGS}),
   * {@code init} as init, the console on stdio.
   */
  static List<String> qemuCommand(Path qemu, Path bzImage, Path init, Path share) {
    boolean kvm = kvmUsable();
    // Under TCG the two vCPUs take turns on one host thread (thread=single), not one thread each: a
    // JVM that once ran in the guest died in C1-compiled code about once in four multi-threaded TCG
    // campaigns (code patched while another vCPU may run it, which QEMU's multi-threaded TCG was the
    // suspect for emulating loosely). The kernel still runs SMP code paths with two CPUs.
    return new ArrayList<>(List.of(qemu.toString(), "-m", MEMORY, "-smp", "2", "-nographic", "-no-reboot",
        "-accel", kvm ? "kvm" : "tcg,thread=single", "-kernel", bzImage.toString(), "-append",
        "console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro init="
            + init + " " + MEMMAP + " " + io.hmmfuzz.linux.HmmUapi.COHERENT_BOOT_ARGS + " panic=-1 loglevel=5",
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", "local,id=share,path=" + share + ",security_model=none,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=share,mount_tag=share"));
  }

  /** The guest's mounts and environment, the start of every init script. */
  static String initPrelude(Path share) {
    // The host's /tmp stays visible (read-only, through the root share). The guest's own writable
    // scratch is a tmpfs on /run.
    return "#!/bin/sh\n"
        + "export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=" + GUEST_SCRATCH + " HMMFUZZ_SCRATCH=" + GUEST_SCRATCH
        + " TMPDIR=" + GUEST_SCRATCH + " LANG=C.UTF-8\n"
        + "export " + LinuxTarget.OWN_KERNEL_ENV + "=1\n"
        + "mount -t proc proc /proc\nmount -t sysfs sys /sys\nmount -t devtmpfs dev /dev 2>/dev/null\n"
        + "mount -t debugfs debug /sys/kernel/debug 2>/dev/null\n"
        + "mount -t tmpfs run " + GUEST_SCRATCH + "\nmkdir -p /dev/shm\nmount -t tmpfs shm /dev/shm\n"
        + "mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share '" + share + "'\n"
        + "echo hmmfuzz-guest: up\n";
  }

  /**
   * KVM only where /dev/kvm is writable and the CPU has hardware virtualisation (vmx or svm): a
   * /dev/kvm without it (seen in a nested guest) makes QEMU hang before the kernel runs.
   * HMMFUZZ_ACCEL=kvm|tcg overrides.
   */
  static boolean kvmUsable() {
    String forced = System.getenv("HMMFUZZ_ACCEL");
    if (forced != null && !forced.isEmpty()) {
      return forced.equals("kvm");
    }
    if (!Files.isWritable(Path.of("/dev/kvm"))) {
      return false;
    }
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("flags") && (l.contains(" vmx") || l.contains(" svm"))) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
