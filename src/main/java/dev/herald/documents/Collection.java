package dev.herald.documents;

import dev.herald.core.ChannelName;
import dev.herald.core.HeraldException;
import dev.herald.core.Namespaces;
import io.vertx.core.json.JsonObject;

/**
 * A collection as declared in herald.yaml: its row rules and, optionally, a channel its changes are
 * published to. Its change log is the internal channel {@code doclog:{name}}, whose seq is the
 * collection's change seq.
 */
final class Collection {

  private final String name;
  final DocRule read;
  final DocRule create;
  final DocRule update;
  final DocRule delete;
  /** A channel that gets every change as an event (doc.created/updated/deleted), or null. */
  final String channel;

  Collection(String name, JsonObject conf) {
    String where = "collections." + name;
    if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException(where + ": a collection name is 1 to 64 of A-Z a-z 0-9 _ -");
    }
    this.name = name;
    Object write = conf.getValue("write");
    this.read = DocRule.parse(conf.getValue("read"), where + ".read");
    this.create = DocRule.parse(conf.getValue("create", write), where + ".create");
    this.update = DocRule.parse(conf.getValue("update", write), where + ".update");
    this.delete = DocRule.parse(conf.getValue("delete", write), where + ".delete");
    String ch = conf.getString("channel");
    if (ch != null && (!ChannelName.isValid(ch) || ChannelName.namespace(ch).equals(Namespaces.INTERNAL))) {
      throw new IllegalArgumentException(where + ".channel: not a channel name Herald can publish to: " + ch);
    }
    this.channel = ch;
  }

  /** Whether the caller may read the document (as CEL sees it): API keys read everything. */
  boolean readable(DocRule.Caller caller, Object celDoc) {
    return caller.server() || read.allows(caller, celDoc);
  }

  String name() {
    return name;
  }

  /** The internal channel holding the collection's changes in order. */
  String changeLog() {
    return Namespaces.changeLog(name);
  }

  static HeraldException unknown(String name) {
    return HeraldException.notFound("no collection " + (name.length() > 64 ? name.substring(0, 64) + "..." : name)
        + "; collections are declared in herald.yaml");
  }
}
