package dev.herald.core;

/**
 * Channel names are {@code [A-Za-z0-9_:.-]{1,200}}. The namespace is the part before the first ':',
 * or the whole name when it has none: channel {@code sales} is in namespace {@code sales}, and
 * {@code news}, not being a listed namespace, follows the default rules.
 */
public final class ChannelName {

  private static final int MAX_LENGTH = 200;

  private ChannelName() {
  }

  /** Checked on every publish and subscribe: a plain loop, not a regex. */
  public static boolean isValid(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == ':' || c == '.' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Returns the name if valid, otherwise throws a 400 the client can act on. */
  public static String require(String name) {
    if (!isValid(name)) {
      throw HeraldException.badRequest("invalid_channel",
          "channel name must match [A-Za-z0-9_:.-]{1,200}, got " + describe(name));
    }
    return name;
  }

  public static String namespace(String channel) {
    int colon = channel.indexOf(':');
    return colon < 0 ? channel : channel.substring(0, colon);
  }

  /** The part after the namespace, e.g. "42" for "user:42"; "" when there is no ':'. */
  public static String local(String channel) {
    int colon = channel.indexOf(':');
    return colon < 0 ? "" : channel.substring(colon + 1);
  }

  private static String describe(String name) {
    if (name == null) {
      return "nothing";
    }
    return "\"" + UnicodeText.printable(name, 40) + "\"";
  }
}
