"""Trusted documents: operations registered per channel by their sha256, and the requests naming them."""
