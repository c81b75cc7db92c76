package dev.herald.core;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Hazelcast's word that a node is gone, for the parts of a node that act on it (presence drops the
 * node's members; the hub reads what the node committed but may not have sent). Membership is
 * Hazelcast's: nothing here polls.
 */
public final class ClusterMembers {

  private ClusterMembers() {
  }

  /**
   * Calls {@code action} (on a Hazelcast thread) whenever a member leaves the cluster; returns what
   * stops it. Without a cluster, nothing ever leaves.
   */
  public static Runnable whenMemberLeaves(ClusterManager cluster, Consumer<Member> action) {
    if (!(cluster instanceof HazelcastClusterManager hazelcast)) {
      return () -> { };
    }
    HazelcastInstance instance = hazelcast.getHazelcastInstance();
    UUID registration = instance.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        // newcomers announce themselves (presence's hello, said again while the cluster forms)
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        action.accept(event.getMember());
      }
    });
    return () -> instance.getCluster().removeMembershipListener(registration);
  }
}
