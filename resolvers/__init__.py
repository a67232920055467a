"""Business rules: plain functions that join what loaders return (no HTTP, no Redis here)."""
