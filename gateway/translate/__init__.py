"""MWS operations translated to SP-API: the generic engine (engine/) and one home per section.

Layers, rules and "adding an operation": docs/architecture.md.
"""
