package dev.herald.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Where a WebJar's files are on the classpath. The version comes from the WebJar's own
 * pom.properties, so pom.xml is the one place that names it.
 */
final class WebJars {

  private WebJars() {
  }

  /** {@code META-INF/resources/webjars/{artifactId}/{version}}, a classpath directory (no leading slash). */
  static String root(String groupId, String artifactId) {
    Properties webJar = new Properties();
    String properties = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    try (InputStream in = WebJars.class.getResourceAsStream(properties)) {
      if (in == null) {
        throw new IllegalStateException("the " + artifactId + " WebJar is missing from the classpath");
      }
      webJar.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "META-INF/resources/webjars/" + artifactId + "/" + webJar.getProperty("version");
  }
}
