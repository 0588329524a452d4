"""The feeds section's home: what its mapping table cannot say (docs/architecture.md)."""
