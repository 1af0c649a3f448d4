"""Dynamics of the GD map: trajectories, basin maps, sweeps, orbits, Lyapunov, EoS.

``trajectory/`` (one start, high precision, classified), ``basins/`` (float64 basin maps
over grids), ``sweep`` (converging fractions against η), ``orbits/`` (periodic orbits:
exact, certified, numerical), ``lyapunov`` (Lyapunov exponents), ``eos/``
(edge-of-stability metrics and balancing), and ``highprec`` (the mpmath helpers they
share).
"""
