"""The machine a bench ran on is named precisely enough to tell two 'AMD EPYC' machines apart."""

from synth.bench.machine import cpu_model, machine_summary


def test_the_summary_names_the_cpu_its_vector_units_and_cores():
    machine = machine_summary()
    assert machine["cpu"] == cpu_model() and machine["cpu"]
    assert machine["vector"] in machine["summary"]
    assert f"{machine['cores']} CPU cores" in machine["summary"]
    assert machine["summary"].startswith(machine["cpu"])
