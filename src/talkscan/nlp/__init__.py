"""Analysis of a transcript: rapport moves, asks, conflicts and emotions (shared/docs/tags.md)."""
