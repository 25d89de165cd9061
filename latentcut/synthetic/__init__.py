"""Pictures and video made in code: the yardstick and test pictures, and the demo clip."""
