"""comptoir."""
