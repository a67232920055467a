"""A toy source that lives in the tests alone: widgets by id, as any source package is laid out."""
