"""Prefect flows: thin wiring of the library's stages, with retries, caching and artifacts."""
