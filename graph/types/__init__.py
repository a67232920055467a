"""The strawberry types, one module per entity."""
