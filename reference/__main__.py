"""``python -m reference --list`` prints the implemented formula IDs, one per line."""

from __future__ import annotations

import argparse
import sys

from reference.registry import all_formulas, ids, load_properties


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("--list", action="store_true", help="print every implemented formula ID")
    parser.add_argument(
        "--properties", action="store_true", help="print every formula ID with its properties' claims"
    )
    args = parser.parse_args(argv)
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
