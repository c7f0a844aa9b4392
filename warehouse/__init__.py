"""The warehouse file: where it lives, how it is opened, what its raw tables are.

This package is the bottom layer. It must never import ingest, scoring, exports or
the CLI.
"""
