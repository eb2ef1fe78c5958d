"""Password hashing with argon2id, the one place that knows the parameters."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app

_PROFILES = {
    "default": profiles.RFC_9106_LOW_MEMORY,
    "cheapest": profiles.CHEAPEST,  # tests only: a real hash, computed fast
}


def init_app(app: Flask) -> None:
    """Build the hasher for this app and a dummy hash to verify unknown users against."""
    hasher = PasswordHasher.from_parameters(_PROFILES[app.config["PASSWORD_HASH_PROFILE"]])
    app.extensions["portfolio.hasher"] = hasher
    # Verifying against this hash when the account does not exist costs the same time as a
    # real verification, so timing does not tell which emails have an account.
    app.extensions["portfolio.dummy_hash"] = hasher.hash("not the password of anyone")


def _hasher() -> PasswordHasher:
    return current_app.extensions["portfolio.hasher"]


def hash_password(password: str) -> str:
    """Hash a password with the app's argon2id parameters."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without a password (or no account) never matches."""
    try:
        return _hasher().verify(password_hash or current_app.extensions["portfolio.dummy_hash"],
                                password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash was made with other parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def token_digest(token: str) -> str:
    """SHA-256 of a random token (login sessions, share links, API tokens): what is stored.

    The tokens carry 256 random bits, so a fast hash is enough; only a password needs argon2.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
