package dev.herald.documents;

import java.util.LinkedHashMap;
import java.util.Map;

/** Filters compiled once per distinct text: the most recently used few thousand are kept. */
final class Filters {

  private static final int KEPT = 4096;

  private final Map<String, DocFilter> compiled = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, DocFilter> eldest) {
      return size() > KEPT;
    }
  };

  /** The compiled filter, or a 400 {@code invalid_filter} naming what is wrong. */
  synchronized DocFilter of(String text) {
    if (text == null || text.isBlank()) {
      return DocFilter.ALL;
    }
    DocFilter f = compiled.get(text);
    if (f == null) {
      f = DocFilter.parse(text);
      compiled.put(text, f);
    }
    return f;
  }
}
