"""Mail passwords: from an environment variable or the system keyring, never from cluster.toml.

``[smtp]`` and ``[imap]`` name the environment variable (``password_env``) or ask for the
keyring (``use_keyring = true``, service ``forms_processor``, the username as the key).
"""

from __future__ import annotations

import os

from ..errors import ConfigError

KEYRING_SERVICE = "forms_processor"


def get_password(section: str, username: str | None, password_env: str | None, use_keyring: bool) -> str | None:
    """The password for ``[section]``, or None when none is configured (no login).

    Raises ConfigError when one is configured but cannot be found.
    """
    if password_env:
        value = os.environ.get(password_env)
        if value:
            return value
        if not use_keyring:
            raise ConfigError(
                f"The mail password for [{section}] is not set: the environment variable {password_env} is empty.",
                hint=f"Set {password_env} before running the command (for example in the service's settings).",
            )
    if use_keyring:
        if not username:
            raise ConfigError(
                f"[{section}] asks for the system keyring but has no username.",
                hint=f"Add username = \"...\" under [{section}] in cluster.toml.",
            )
        try:
            import keyring

            value = keyring.get_password(KEYRING_SERVICE, username)
        except Exception as exc:  # noqa: BLE001 - any keyring backend failure means "not available"
            raise ConfigError(
                f"The system keyring could not be read for [{section}] ({type(exc).__name__}).",
                hint="Use password_env instead, or check the keyring on this machine.",
            ) from None
        if value:
            return value
        raise ConfigError(
            f"The system keyring has no password for {username} (service \"{KEYRING_SERVICE}\").",
            hint=f"Store it once with: keyring set {KEYRING_SERVICE} {username}",
        )
    return None
