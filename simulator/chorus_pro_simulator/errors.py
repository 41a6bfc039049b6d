"""Exceptions turned into HTTP answers by the server."""


class ApiError(Exception):
    """A functional or authentication error answered as ``{"codeRetour", "libelle"}``."""

    def __init__(self, code, libelle, http_status=400, headers=None):
        super().__init__(f"{code}: {libelle}")
        self.code = code
        self.libelle = libelle
        self.http_status = http_status
        self.headers = dict(headers or {})

    def body(self):
        return {"codeRetour": self.code, "libelle": self.libelle}


class OAuthError(Exception):
    """An OAuth2 / gateway error answered as ``{"error", "error_description"}``."""

    def __init__(self, error, description, http_status=400, headers=None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.http_status = http_status
        self.headers = dict(headers or {})

    def body(self):
        return {"error": self.error, "error_description": self.description}


class AdminError(Exception):
    """A bad call of the admin API / Python API (HTTP 400 with ``{"error"}``)."""

    def __init__(self, message, http_status=400):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
