package dev.ferry.desktop.openwith;

import java.io.IOException;
import java.util.List;

/** Starts a program from an argv (tests may record instead). */
@FunctionalInterface
public interface Launcher {
  Process start(List<String> argv) throws IOException;

  /** A real process, no shell; its output is read by the caller, its input closed. */
  Launcher SYSTEM =
      argv -> {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return p;
      };
}
