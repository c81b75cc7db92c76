import java.util.List;

/**
 * One server under test: its protocol, where subscribers connect (several ports for a cluster:
 * connection i goes to port i % n), where publishes go, and whose CPU counts as the server's.
 */
record Target(String name, Protocol protocol, List<Integer> wsPorts, int publishPort, List<Cpu.Proc> processes) {

  int wsPort(int connection) {
    return wsPorts.get(connection % wsPorts.size());
  }

  /** The same server with subscribers on the given ports only. */
  Target withWsPorts(String newName, List<Integer> ports) {
    return new Target(newName, protocol, ports, publishPort, processes);
  }
}
