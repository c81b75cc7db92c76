package dev.herald.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class served by one node with a fresh database, shared by its tests. */
public abstract class OneNodeTest {

  protected static TestNode node;

  @BeforeAll
  static void startNode() {
    node = TestNode.start(TestDatabase.create(), false);
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }
}
