"""Dynamics of the GD map: trajectories, basin maps, sweeps."""
