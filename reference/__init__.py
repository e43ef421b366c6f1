"""Reference implementations of the catalogue formulas, one module per family.

Each function is decorated with :func:`reference.registry.formula`; the registry
maps formula IDs to these functions and to their properties.
"""

from reference.registry import all_formulas, get, ids

__all__ = ["all_formulas", "get", "ids"]
