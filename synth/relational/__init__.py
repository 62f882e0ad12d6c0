"""Whole databases: tables with their primary and foreign keys (``keys``), read from a folder,
a SQLite file or a database schema (``database``), and checked before anything is learned
(``integrity``).
"""
