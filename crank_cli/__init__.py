"""crank: one compose project on Docker, Podman or containerd."""

__version__ = "0.1.0"
