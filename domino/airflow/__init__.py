"""Airflow provider for Domino (placeholder while the package is being built)."""
