package dev.herald.journal;

/** The result of one append: the stored event, and whether it was already there (an idempotent re-post). */
public record Appended(Event event, boolean duplicate) {
}
