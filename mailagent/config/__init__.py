"""Settings: the TOML files, environment overrides, validation up front. Every key lives in
a section model that forbids unknown keys, so a typo is an error that names the file, the key and
what is allowed.
"""
