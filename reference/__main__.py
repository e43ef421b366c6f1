"""``python -m reference``: what the registry holds.

- ``--list``: every implemented formula ID, one per line;
- ``--properties``: every formula ID with its properties' claims;
- ``--markdown``: the whole catalogue as Markdown (``> docs/catalogue.md``).
"""

from __future__ import annotations

import argparse
import sys

from reference.registry import all_formulas, ids, load_properties


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reference", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="print every implemented formula ID")
    parser.add_argument(
        "--properties", action="store_true", help="print every formula ID with its properties' claims"
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the catalogue (contract, conventions, signatures, invariants, properties) as Markdown; "
        "docs/catalogue.md is this output",
    )
    args = parser.parse_args(argv)
    if args.markdown:
        from reference.catalogue import markdown

        sys.stdout.write(markdown())
        return 0
    if args.properties:
        load_properties()
        for entry in all_formulas():
            print(entry.id)
            for prop in entry.properties:
                print(f"    {prop.name}: {prop.claim}")
        return 0
    if args.list:
        print("\n".join(ids()))
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
