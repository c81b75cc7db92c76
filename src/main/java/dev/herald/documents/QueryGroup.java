package dev.herald.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Identical live queries on a node (one collection, one filter, one caller's claims): one
 * evaluation and one envelope per change for all of them, whatever their number.
 */
final class QueryGroup {

  /** What identifies a group: the filter's text and the caller as rules see it. */
  record Key(String filter, boolean server, Map<String, Object> auth) {
  }

  final Key key;
  final Collection collection;
  final DocFilter filter;
  final DocRule.Caller caller;
  /** The equality it is indexed by, or null: checked on every change of the collection. */
  final DocFilter.Bound index;
  final List<LiveQuery> live = new ArrayList<>();
  /** Queries of any state that belong to it; the group goes with the last. */
  int members;

  QueryGroup(Key key, Collection collection, DocFilter filter, DocRule.Caller caller) {
    this.key = key;
    this.collection = collection;
    this.filter = filter;
    this.caller = caller;
    this.index = filter.indexFor(caller.auth());
  }

  /** Whether the document (as CEL sees it) is in this query's result: the read rule and the filter. */
  boolean matches(Object celDoc) {
    return celDoc != null && collection.readable(caller, celDoc) && filter.test(caller.auth(), celDoc);
  }
}
