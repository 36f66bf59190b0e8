"""Demo directory shipped with the package: ``flask --app idp seed --file idp/demo/demo.yaml``."""

from pathlib import Path

DEMO_FILE = Path(__file__).resolve().parent / "demo.yaml"
