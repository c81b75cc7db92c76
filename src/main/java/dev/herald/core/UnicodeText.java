package dev.herald.core;

/** Where a string stops being Unicode: UTF-16 surrogate halves that do not come in pairs. */
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
}
