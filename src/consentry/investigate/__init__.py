"""Investigating an abuse ecosystem from Telegram exports: read, assess, cluster, report, sign."""
