package dev.herald.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * The test's own look at the embedded PostgreSQL of a data dir, independent of the code under test:
 * the PID in {dataDir}/pg/postmaster.pid, alive if /proc shows a process working in that directory.
 */
final class Postmasters {

  private Postmasters() {
  }

  /** The PID of the postmaster that runs on {dataDir}/pg now, if any. */
  static OptionalLong running(Path dataDir) {
    Path pg = dataDir.resolve("pg");
    try {
      List<String> lines = Files.readAllLines(pg.resolve("postmaster.pid"));
      long pid = Long.parseLong(lines.get(0).strip());
      return runsIn(pid, pg) ? OptionalLong.of(pid) : OptionalLong.empty();
    } catch (NoSuchFileException gone) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True while process {@code pid} lives with its working directory in {@code dir} (a postmaster chdirs there). */
  static boolean runsIn(long pid, Path dir) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).equals(dir.toRealPath());
    } catch (IOException gone) {
      return false;
    }
  }

  /** Waits up to {@code timeout} for the postmaster to be gone; returns how long it took, or null if it is still there. */
  static Duration awaitGone(long pid, Path dataDir, Duration timeout) throws InterruptedException {
    long start = System.nanoTime();
    while (runsIn(pid, dataDir.resolve("pg"))) {
      if (System.nanoTime() - start > timeout.toNanos()) {
        return null;
      }
      Thread.sleep(50);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Test clean-up: stops a postmaster a test left behind on the data dir (SIGTERM, then SIGKILL). */
  static void stopLeftover(Path dataDir) throws InterruptedException {
    OptionalLong pid = running(dataDir);
    if (pid.isPresent()) {
      ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroy);
      if (awaitGone(pid.getAsLong(), dataDir, Duration.ofSeconds(10)) == null) {
        ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
