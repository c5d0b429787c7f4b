"""Pydantic request models per vendor; field names are the vendor's own (PascalCase)."""
