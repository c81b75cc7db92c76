package dev.herald.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded PostgreSQL per data dir, and none without its node. pg_ctl detaches the postmaster
 * from the JVM that starts it, so a node killed with SIGKILL (or by the OOM killer) left it running
 * on {dataDir}/pg, and every later start on that dir failed. The guard
 * <ul>
 *   <li>holds {dataDir}/herald.lock while the node runs, so a second node on the dir is refused
 *   rather than stopping the first one's database;</li>
 *   <li>before the start, stops a postmaster that an earlier run left on the dir (its PID is the first
 *   line of postmaster.pid), and removes a pid file whose PID now belongs to another program, which
 *   PostgreSQL would take for a live server and refuse to start;</li>
 *   <li>after the start, leaves a watchdog beside the postmaster that stops it once the JVM is gone.</li>
 * </ul>
 * It relies on /proc, as the PostgreSQL binaries Herald ships are Linux ones; elsewhere it only locks.
 */
public final class EmbeddedPostgresGuard implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresGuard.class);
  private static final boolean PROC = Files.isDirectory(Path.of("/proc/self"));

  /**
   * sh: stops process $1 if it is a postgres working in $2, its data dir (a postmaster chdirs there),
   * so a PID recycled by another program is never signalled. Fast shutdown first (SIGINT: ends the
   * dead node's sessions, writes a checkpoint), then immediate (SIGQUIT: PostgreSQL recovers from its
   * WAL at the next start), then SIGKILL, each given 10 s. Exits 0 once no such process is left.
   */
  private static final String STOP = """
      ours() { [ "$(cat /proc/$1/comm 2>/dev/null)" = postgres ] && [ "$(readlink /proc/$1/cwd 2>/dev/null)" = "$2" ]; }
      for sig in INT QUIT KILL; do
        ours "$1" "$2" || exit 0
        kill -$sig "$1"
        n=0; while [ $n -lt 10 ] && ours "$1" "$2"; do sleep 1; n=$((n+1)); done
      done
      ! ours "$1" "$2"
      """;

  /**
   * The watchdog: a shell whose stdin is a pipe from this JVM. PostgreSQL has no setting that ties it
   * to a parent, and polling the JVM's PID ({@code kill -0}) could be fooled by a recycled PID; but the
   * kernel closes the pipe when the JVM dies, however it dies, so {@code read} returns at once and
   * STOP runs. The shell ignores the SIGHUP / SIGINT / SIGTERM that a terminal or a process-group kill
   * sends it along with the JVM: a JVM that gets those stops PostgreSQL itself, then ends the watchdog
   * with SIGKILL ({@link #close}).
   */
  private static final String WATCHDOG = "trap '' HUP INT TERM\nread -r eof\n" + STOP;
  private static final long STOP_TIMEOUT_S = 40;

  private final Path pgDir;
  private final FileChannel lockChannel;
  /** Held for the pipe: were the Process collected, its stdin would be closed and the watchdog would fire. */
  private Process watchdog;

  private EmbeddedPostgresGuard(Path pgDir, FileChannel lockChannel) {
    this.pgDir = pgDir;
    this.lockChannel = lockChannel;
  }

  /**
   * Creates {dataDir}/pg, takes the data dir for this node and clears what an earlier run left on it.
   * Fails with a {@link StartupFailure} when the dir is not writable or another node holds it.
   */
  public static EmbeddedPostgresGuard claim(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    Path pgDir;
    FileChannel channel;
    try {
      pgDir = Files.createDirectories(dir.resolve("pg")).toRealPath();
      channel = FileChannel.open(dir.resolve("herald.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StartupFailure("data dir " + dir + " is not writable: " + describe(e, dir),
          "set HERALD_DATA_DIR to a writable directory", e);
    }
    EmbeddedPostgresGuard guard = new EmbeddedPostgresGuard(pgDir, channel);
    try {
      if (!guard.lock()) {
        throw new StartupFailure("data dir " + dir + " is in use by another running Herald node",
            "stop that node first, or set HERALD_DATA_DIR to another directory", null);
      }
      guard.clearLeftover();
      return guard;
    } catch (RuntimeException e) {
      guard.close();
      throw e;
    }
  }

  /** The data directory PostgreSQL runs on: {dataDir}/pg, as a real path. */
  public Path pgDir() {
    return pgDir;
  }

  /** Leaves the watchdog beside the postmaster that now runs on the dir. Call once it has started. */
  public void watch() {
    OptionalLong pid = postmasterPid();
    if (!PROC || pid.isEmpty()) {
      return;
    }
    try {
      watchdog = new ProcessBuilder("sh", "-c", WATCHDOG, "herald-pg-watchdog", Long.toString(pid.getAsLong()), pgDir.toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      LOG.warn("no watchdog for the embedded PostgreSQL ({}): if this node is killed, the next start on {} stops it",
          e.getMessage(), pgDir);
    }
  }

  private boolean lock() {
    try {
      return lockChannel.tryLock() != null; // released when the channel closes
    } catch (OverlappingFileLockException heldInThisJvm) {
      return false;
    } catch (IOException e) {
      throw new StartupFailure("cannot lock data dir " + pgDir.getParent() + ": " + describe(e, pgDir.getParent()),
          "set HERALD_DATA_DIR to a directory on a local file system", e);
    }
  }

  private void clearLeftover() {
    OptionalLong found = postmasterPid();
    if (!PROC || found.isEmpty()) {
      return;
    }
    long pid = found.getAsLong();
    Path pidFile = pgDir.resolve("postmaster.pid");
    switch (holder(pid)) {
      case NONE -> {
        // PostgreSQL takes over a pid file whose process is gone by itself
      }
      case POSTMASTER_HERE -> stop(pid);
      case OTHER_PROGRAM -> {
        LOG.warn("removing {}: an earlier PostgreSQL wrote it, and its PID {} now belongs to another program", pidFile, pid);
        try {
          Files.deleteIfExists(pidFile);
        } catch (IOException e) {
          throw new StartupFailure("cannot remove the stale " + pidFile + ": " + describe(e, pidFile), "delete it by hand", e);
        }
      }
      case UNKNOWN -> throw new StartupFailure("process " + pid + ", named in " + pidFile + ", cannot be inspected",
          "stop it if it is a PostgreSQL of this data dir, else delete that file", null);
    }
  }

  private void stop(long pid) {
    LOG.warn("PostgreSQL (pid {}) was left running on {} by an earlier run of this node that died; stopping it", pid, pgDir);
    try {
      Process stop = new ProcessBuilder("sh", "-c", STOP, "herald-pg-stop", Long.toString(pid), pgDir.toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (stop.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS) && stop.exitValue() == 0) {
        return;
      }
      stop.destroyForcibly();
    } catch (IOException e) {
      LOG.debug("cannot run sh to stop PostgreSQL", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new StartupFailure("PostgreSQL (pid " + pid + ") left running on " + pgDir + " by an earlier run would not stop",
        "stop it by hand, e.g. kill -9 " + pid + ", then start again", null);
  }

  private enum Holder { NONE, POSTMASTER_HERE, OTHER_PROGRAM, UNKNOWN }

  /** Who has the PID now: the same test as STOP's, in Java. */
  private Holder holder(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      if (!Files.readString(proc.resolve("comm")).strip().equals("postgres")) {
        return Holder.OTHER_PROGRAM;
      }
      return Files.readSymbolicLink(proc.resolve("cwd")).equals(pgDir) ? Holder.POSTMASTER_HERE : Holder.OTHER_PROGRAM;
    } catch (NoSuchFileException gone) {
      return Holder.NONE;
    } catch (IOException e) {
      return Files.exists(proc) ? Holder.UNKNOWN : Holder.NONE;
    }
  }

  private OptionalLong postmasterPid() {
    try (BufferedReader file = Files.newBufferedReader(pgDir.resolve("postmaster.pid"))) {
      String first = file.readLine();
      return first != null && first.strip().matches("\\d{1,10}") ? OptionalLong.of(Long.parseLong(first.strip()))
          : OptionalLong.empty();
    } catch (IOException none) {
      return OptionalLong.empty();
    }
  }

  /** What went wrong with a file, naming it only when it is not {@code subject}, which the sentence names already. */
  private static String describe(IOException e, Path subject) {
    if (!(e instanceof FileSystemException fs)) {
      return e.getMessage();
    }
    String reason = fs instanceof AccessDeniedException ? "permission denied"
        : fs instanceof FileAlreadyExistsException ? "not a directory"
        : fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
    return subject.toString().equals(fs.getFile()) ? reason : reason + " at " + fs.getFile();
  }

  /** Stops the watchdog (the node stops PostgreSQL itself) and releases the data dir. */
  @Override
  public void close() {
    if (watchdog != null) {
      try {
        watchdog.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("cannot release {}/herald.lock: {}", pgDir.getParent(), e.getMessage());
    }
  }
}
