"""Writes the JSON Schema of a catalogue entry (format 2) next to the catalogue:
`python -m scholarlink.domain.schema`. A test checks the checked-in file is current."""

from __future__ import annotations

import json
from pathlib import Path

from scholarlink.domain.rules import CatalogueEntry

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.schema.json"


def main() -> None:
    SCHEMA_PATH.write_text(json.dumps(CatalogueEntry.model_json_schema(), indent=2) + "\n")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
