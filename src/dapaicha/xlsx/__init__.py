"""xlsx layer."""
