"""pymap (the real IMAP server the tests use) taught to accept SASL XOAUTH2: pysasl has
the mechanism; here pymap offers it and checks each token with the test identity
provider's introspection endpoint. Run as ``python pymap_xoauth2.py INTROSPECT_URL
<pymap arguments>``."""

from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request
from typing import Any


def main() -> None:
    introspect_url = sys.argv.pop(1)

    import pymap.backend.dict as dict_backend
    import pymap.config
    import pymap.main
    from pymap.exceptions import InvalidAuth
    from pysasl import SASLAuth
    from pysasl.creds.external import ExternalCredentials

    def tls_auth(self: Any) -> SASLAuth:
        return SASLAuth.named([b"PLAIN", b"LOGIN", b"XOAUTH2"])

    pymap.config.IMAPConfig.tls_auth = property(tls_auth)  # type: ignore[assignment]
    password_login = dict_backend.Login.authenticate

    async def authenticate(self: Any, credentials: Any) -> Any:
        if not isinstance(credentials, ExternalCredentials):
            return await password_login(self, credentials)
        form = urllib.parse.urlencode({"token": credentials._token or ""}).encode()
        with urllib.request.urlopen(introspect_url, data=form, timeout=10) as resp:
            answer = json.loads(resp.read())
        if not answer.get("active") or answer.get("username") != credentials.authzid:
            raise InvalidAuth()
        return dict_backend.Identity(credentials.authzid, self, None, frozenset())

    dict_backend.Login.authenticate = authenticate  # type: ignore[method-assign]
    pymap.main.main()


if __name__ == "__main__":
    main()
