"""The stages of a job as plain library functions, the run that owns a job's outputs, and the
manifest it writes. ``flows/`` wraps the stages as Prefect tasks and only wires them.
"""
