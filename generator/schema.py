"""JSON Schema for editors, generated from the content models (never written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import GlossaryFile, HandbookMeta, ProductsFile, ReferencesFile, Topic
from .model.calculator import Calculator, FormulaLibrary
from .model.safety import HazardLog

__all__ = ["SCHEMAS", "schema_text", "write_schemas"]

# File name of each schema -> the model it describes.
SCHEMAS: dict[str, type[BaseModel]] = {
    "topic.schema.json": Topic,
    "calculator.schema.json": Calculator,
    "handbook.schema.json": HandbookMeta,
    "references.schema.json": ReferencesFile,
    "glossary.schema.json": GlossaryFile,
    "products.schema.json": ProductsFile,
    "formulas.schema.json": FormulaLibrary,
    "hazards.schema.json": HazardLog,
}


def schema_text(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
