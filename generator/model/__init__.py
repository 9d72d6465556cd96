"""The content schema, declared once as typed models. The JSON Schema for editors,
the validation messages and the field reference are all derived from these."""

from .common import Cited, Evidence, Figure, Model, Quantity, Statement, Unit
from .handbook import (
    GlossaryEntry,
    GlossaryFile,
    HandbookMeta,
    InfusionSchedule,
    Product,
    ProductsFile,
    Reference,
    ReferencesFile,
    ReferenceType,
)
from .topic import NOT_COVERED_TEXT, DecisionTable, Dose, Regimen, Review, ReviewStatus, Topic

__all__ = [
    "NOT_COVERED_TEXT",
    "Cited",
    "DecisionTable",
    "Dose",
    "Evidence",
    "Figure",
    "GlossaryEntry",
    "GlossaryFile",
    "HandbookMeta",
    "InfusionSchedule",
    "Model",
    "Product",
    "ProductsFile",
    "Quantity",
    "Reference",
    "ReferenceType",
    "ReferencesFile",
    "Regimen",
    "Review",
    "ReviewStatus",
    "Statement",
    "Topic",
    "Unit",
]
