"""Thin HTTP layers, one module per resource family: parse, call the backend, serialise."""
