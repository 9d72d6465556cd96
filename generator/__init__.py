"""Clinical handbook generator: YAML knowledge base -> validated model -> Markdown
site (Material for MkDocs) with an embedded dose calculator, and an A6 PDF pocket guide.

Pipeline stages, one module each: load -> validate -> render -> build -> calc -> pdf.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
