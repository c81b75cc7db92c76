package dev.herald.core;

import java.util.regex.Pattern;

/**
 * Channel names are {@code [A-Za-z0-9_:.-]{1,200}}. The namespace is the part before the first ':',
 * or the whole name when it has none: channel {@code sales} is in namespace {@code sales}, and
 * {@code news}, not being a listed namespace, follows the default rules.
 */
public final class ChannelName {

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_:.-]{1,200}");

  private ChannelName() {
  }

  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
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
    String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
    return "\"" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "\"";
  }
}
