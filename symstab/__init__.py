"""symstab: verify claims about gradient descent with large learning rates."""
