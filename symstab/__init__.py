"""symstab: verify claims about gradient descent with large learning rates.

The package is a pipeline, read top to bottom. Each layer owns one job and imports
only from its own layer or the layers below it; no module imports a private name of
another module, and no modules import each other (directly or around a cycle).
``tests/test_architecture.py`` checks this against the list below.

Layers, lowest first:

1. base      errors budget evidence intervals storage
2. input     parse catalog loss inputs
3. exact     exact
4. codegen   codegen
5. certify   certify
6. dynamics  dynamics nn
7. output    report plot certificates certificates_text certificates_linear cli __main__

``base``: the error types, time budgets, evidence strengths, exact/interval number
conversions. ``input``: untrusted text parsed by a whitelist, the catalog of named
losses, the :class:`~symstab.loss.Loss` type and the values made once at the boundary
(:class:`~symstab.inputs.StepSize`, :class:`~symstab.inputs.Point`). ``exact``: SymPy
analysis (derivatives, critical sets, spectra, thresholds, manifolds of minima).
``codegen``: one derivation of f, ∇f and H printed to every numeric target.
``certify``: interval-arithmetic certificates. ``dynamics``: GD itself (trajectories,
basin maps, sweeps, orbits, Lyapunov exponents, edge-of-stability metrics) and the
network experiments. ``output``: reports, figures and the command line.

The claims of the seed papers live in the separate package ``proofs_check``, which
uses only the public names of symstab. ``docs/architecture.md`` says where a new
loss, command, certificate or claim goes.
"""
