package dev.herald.testing;

import java.util.ArrayList;
import java.util.List;

/** Hazelcast-clustered test nodes in this JVM, sharing one fresh database; closed newest first. */
public final class TestCluster implements AutoCloseable {

  private final String dbUrl;
  private final List<TestNode> nodes = new ArrayList<>();

  private TestCluster(String dbUrl) {
    this.dbUrl = dbUrl;
  }

  /** Starts {@code size} nodes one after the other; if one fails, those already started are closed. */
  public static TestCluster start(int size) {
    TestCluster cluster = new TestCluster(TestDatabase.create());
    try {
      for (int i = 0; i < size; i++) {
        cluster.addNode();
      }
    } catch (Throwable e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Starts one more node, which joins the cluster; it comes last in {@link #nodes()}. */
  public TestNode addNode() {
    TestNode node = TestNode.start(dbUrl, true);
    nodes.add(node);
    return node;
  }

  public TestNode node(int index) {
    return nodes.get(index);
  }

  /** The running nodes, in the order they were started. */
  public List<TestNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Closes the node (it leaves the cluster) and drops it from {@link #nodes()}. */
  public void closeNode(int index) {
    nodes.remove(index).close();
  }

  /** Waits until the first node counts every running node as a cluster member. */
  public void awaitMembers() {
    Eventually.equal(() -> node(0).herald.clusterManager().getNodes().size(), nodes.size());
  }

  @Override
  public void close() {
    while (!nodes.isEmpty()) {
      nodes.remove(nodes.size() - 1).close();
    }
  }
}
