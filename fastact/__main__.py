"""``python -m fastact bench ...`` and the ``fastact`` console script."""

from __future__ import annotations

import sys

_USAGE = "usage: fastact bench [options]   (fastact bench --help for the options)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "bench":
        print(_USAGE, file=sys.stderr)
        return 2
    from fastact.bench import cli

    return cli.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
