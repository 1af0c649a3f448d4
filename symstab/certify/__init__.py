"""Certificates: interval-arithmetic proofs about the GD map (trapping regions, ...)."""
