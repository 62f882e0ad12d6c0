"""Reading sources, writing outputs atomically, fingerprinting content."""

from synth.io.fingerprint import file_fingerprint, frame_fingerprint
from synth.io.read import Source, Table, read
from synth.io.write import atomic_folder, atomic_path, write_json, write_parquet, write_text

__all__ = [
    "Source",
    "Table",
    "atomic_folder",
    "atomic_path",
    "file_fingerprint",
    "frame_fingerprint",
    "read",
    "write_json",
    "write_parquet",
    "write_text",
]
