package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Per-user token buckets: the allowance, the wait they tell, and that a refilled bucket is freed. */
class UserBucketsTest {

  @Test
  void aUserGetsTheBurstThenWaitsForTheRefillWhileOthersHaveTheirOwn() {
    UserBuckets buckets = new UserBuckets(new Rate(3, Duration.ofMinutes(1)));
    for (int i = 0; i < 3; i++) {
      assertThat(buckets.tryTake("alice")).isZero();
    }
    assertThat(buckets.tryTake("alice")).isBetween(Duration.ofSeconds(19).toNanos(), Duration.ofSeconds(20).toNanos());
    assertThat(buckets.tryTake("bob")).isZero();
  }

  @Test
  void aBucketThatRefilledIsFreedAndOneStillDrainingIsKept() throws InterruptedException {
    UserBuckets buckets = new UserBuckets(new Rate(1, Duration.ofMillis(50)));
    buckets.tryTake("alice");
    buckets.sweep();
    assertThat(buckets.size()).isEqualTo(1); // alice still owes a token: leaving must not reset it
    Thread.sleep(80);
    buckets.sweep();
    assertThat(buckets.size()).isZero();
  }

  @Test
  void ratesReadAsConfigWritesThem() {
    assertThat(Rate.parse("100/60s", "k")).isEqualTo(new Rate(100, Duration.ofSeconds(60)));
    assertThat(Rate.parse("5/s", "k")).isEqualTo(new Rate(5, Duration.ofSeconds(1)));
    assertThat(Rate.parse("", "k")).isNull();
    assertThat(Rate.parse("off", "k")).isNull();
    assertThatThrownBy(() -> Rate.parse("100 per minute", "limits.x")).hasMessageContaining("limits.x");
    assertThatThrownBy(() -> Rate.parse("0/1s", "limits.x")).hasMessageContaining("limits.x");
  }
}
