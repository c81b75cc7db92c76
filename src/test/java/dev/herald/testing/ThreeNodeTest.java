package dev.herald.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class served by three clustered nodes sharing one fresh database, shared by its tests. */
public abstract class ThreeNodeTest {

  protected static TestCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = TestCluster.start(3);
    cluster.awaitMembers();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }
}
