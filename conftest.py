"""Repository-root pytest configuration.

The plugin (``gradoracle.plugin``) is registered by the installed package's
``pytest11`` entry point. A checkout that is on ``sys.path`` but not installed
(``python -m pytest`` from the root) would lack it, so load it here then.
"""

from importlib import metadata

_installed = any(ep.value == "gradoracle.plugin" for ep in metadata.entry_points(group="pytest11"))
if not _installed:
    pytest_plugins = ["gradoracle.plugin"]

# Only these folders hold tests; examples/ and benchmarks/ hold submissions and scripts.
collect_ignore = ["examples", "benchmarks"]
