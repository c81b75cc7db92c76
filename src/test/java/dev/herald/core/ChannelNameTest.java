package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Channel names are [A-Za-z0-9_:.-]{1,200}, nothing else. */
class ChannelNameTest {

  @Test
  void everyAllowedCharacterAndLengthUpTo200IsValid() {
    assertThat(ChannelName.isValid("azAZ09_:.-")).isTrue();
    assertThat(ChannelName.isValid("x")).isTrue();
    assertThat(ChannelName.isValid("x".repeat(200))).isTrue();
  }

  @Test
  void anythingElseIsNot() {
    assertThat(ChannelName.isValid(null)).isFalse();
    assertThat(ChannelName.isValid("")).isFalse();
    assertThat(ChannelName.isValid("x".repeat(201))).isFalse();
    for (String c : List.of(" ", "/", "@", "`", "[", "{", "é", "\n", "*", "#", "?", "%", "\u0000")) {
      assertThat(ChannelName.isValid("a" + c + "b")).as("a%sb", c).isFalse();
    }
  }
}
