package dev.herald.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What the node logs while it is open (in this JVM), as operators would read it: every event that
 * reaches the root logger, plus Herald's own debug lines. For tests that assert what is never
 * logged (secrets) or never happens (an uncaught exception).
 */
public final class LogCapture implements AutoCloseable {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger herald = (Logger) LoggerFactory.getLogger("dev.herald");
  private final Level heraldLevel = herald.getLevel();

  public LogCapture() {
    appender.start();
    root.addAppender(appender);
    herald.setLevel(Level.DEBUG);
  }

  /** Every captured event, each as one text: level, logger, message and any stack trace. */
  public List<String> lines() {
    synchronized (appender.list) {
      return appender.list.stream().map(LogCapture::text).toList();
    }
  }

  /** Events at WARN or above that carry an exception: what an uncaught failure looks like in the log. */
  public List<String> failures() {
    synchronized (appender.list) {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && (e.getThrowableProxy() != null || e.getLevel() == Level.ERROR))
          .map(LogCapture::text).toList();
    }
  }

  private static String text(ILoggingEvent e) {
    String trace = e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
    return e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage() + trace;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    herald.setLevel(heraldLevel);
    appender.stop();
  }
}
