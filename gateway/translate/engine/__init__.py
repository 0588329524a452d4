"""The generic translation engine: knows the mapping tables' vocabulary, no MWS section.

See docs/architecture.md for the layers and for adding an operation.
"""
