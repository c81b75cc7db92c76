package dev.herald.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Vert.x's and Netty's internals are reached from this package only, so a Vert.x upgrade has one place to re-check. */
class FenceTest {

  /** The sources and the tests, each with the fence's own folder, where reaches belong. */
  private static final List<Path> ROOTS = List.of(Path.of("src/main/java"), Path.of("src/test/java"));
  private static final Path FENCE = Path.of("dev/herald/internals");
  /** An import of a Vert.x impl or internal package (io.vertx.core.internal, io.vertx.core.net.impl...), or Netty's unsafe(). */
  private static final Pattern REACH =
      Pattern.compile("import\\s+(static\\s+)?io\\.vertx\\.[\\w.]*\\b(impl|internal)\\.|\\.unsafe\\(\\)");

  @Test
  void nothingOutsideTheFenceReachesIntoVertxOrNettyInternals() {
    List<String> reaches = ROOTS.stream().flatMap(FenceTest::javaFilesOutsideTheFence).flatMap(FenceTest::reachesIn).toList();
    assertThat(reaches).isEmpty();
  }

  @Test
  void theScanRecognisesEachKindOfReach() {
    // so that an empty result above means "none" and not "the pattern matches nothing"
    assertThat(Stream.of("import io.vertx.core.internal.ContextInternal;",
        "import io.vertx.core.internal.http.HttpServerRequestInternal;", "import io.vertx.core.net.impl.ConnectionBase;",
        "import io.vertx.core.impl.VertxImpl;", "import io.vertx.ext.web.impl.RouterImpl;",
        "ctx.channel().unsafe().outboundBuffer()"))
        .allMatch(line -> REACH.matcher(line).find());
    assertThat(Stream.of("import io.vertx.core.Context;", "import dev.herald.internals.RequestThread;",
        "import io.netty.channel.Channel;"))
        .noneMatch(line -> REACH.matcher(line).find());
  }

  private static Stream<Path> javaFilesOutsideTheFence(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(file -> file.toString().endsWith(".java") && !file.startsWith(root.resolve(FENCE))).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<String> reachesIn(Path file) {
    try {
      return Files.readAllLines(file).stream().filter(line -> REACH.matcher(line).find()).map(line -> file + ": " + line.strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
