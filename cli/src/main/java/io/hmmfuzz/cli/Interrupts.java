package io.hmmfuzz.cli;

import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM ask the running command to stop at the next program boundary, so it can shrink
 * nothing half-way, write its summary and tear its scratch filesystem down itself. A second signal
 * exits at once (the scratch filesystem's shutdown hook still cleans up).
 */
final class Interrupts {
  private Interrupts() {}

  static void onInterrupt(Runnable stop) {
    boolean[] once = {false};
    for (String name : new String[] {"INT", "TERM"}) {
      Signal.handle(new Signal(name), s -> {
        if (once[0]) {
          System.exit(130);
        }
        once[0] = true;
        System.err.println("\nhmmfuzz: stopping after the current program (signal again to quit now)");
        stop.run();
      });
    }
  }
}
