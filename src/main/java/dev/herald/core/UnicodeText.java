package dev.herald.core;

/** Where a string stops being Unicode (surrogate halves that do not come in pairs), and how to show one safely. */
public final class UnicodeText {

  private UnicodeText() {
  }

  /** The index of the first surrogate half without its partner, or -1 when every pair is whole. */
  public static int unpairedSurrogateAt(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * What a client sent, as an error message may show it: at most {@code max} characters, printable
   * ASCII ('?' for the rest), so that a message never carries control characters or broken text.
   */
  public static String printable(String s, int max) {
    return (s.length() > max ? s.substring(0, max) + "..." : s).replaceAll("[^\\x20-\\x7e]", "?");
  }
}
