"""The exception of a study config that cannot be run."""


class ConfigError(ValueError):
    """A configuration that cannot be run. The message names the offending key."""
