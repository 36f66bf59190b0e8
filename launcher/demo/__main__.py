"""``python -m launcher.demo [FILE]``: load VUCE's demo accounts and trámites (VUCE_* env)."""

import sys

from . import VUCE_FILE, load_vuce, read_vuce


def main(argv: list[str]) -> int:
    from vuce_client import create_app

    data = read_vuce(argv[0] if argv else VUCE_FILE)
    app = create_app()
    with app.app_context():
        counts = load_vuce(data)
    print(", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
