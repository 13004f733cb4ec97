"""medseal's SMTP gateway: a submission server (and a Postfix after-queue content filter) in front of the
practice's mail provider, for every client that cannot run an add-in (EMR software, phones, scanners).

Each message goes through the core in automatic mode: clean messages are relayed unchanged, messages medseal
can protect are relayed protected, the others are refused at the end of DATA with the reason in the sender's
language. Accepted messages are spooled on disk (fsync) before the 250 reply and retried with back-off.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
