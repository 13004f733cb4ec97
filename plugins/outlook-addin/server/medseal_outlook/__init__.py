"""medseal's Outlook add-in backend: an ASGI app that puts the core behind HTTPS for the add-in.

The add-in (task pane and on-send handler) and this server speak the core's JSON contract: a compose
snapshot in, a change set out (:mod:`medseal.service`). The server is stateless: the practice key, the
patient directory and the policy are read from files named in ``server.toml``, so several workers (or
several machines behind a load balancer) answer alike.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
