"""The in-app browser: launch options, app profiles, and the per-visit recorder.

* :func:`launch_options` / :func:`browser_version_hint`: which Chromium and how to launch it;
* :func:`get_profile` / :data:`PROFILES`: WeChat (default), Alipay, plain mobile;
* :class:`Visit`: instruments one page, records steps and events into a
  :class:`core.trace.Trace` (collectors in :mod:`crawler.browser.collectors`).
"""

from crawler.browser.launch import OAUTH_HOSTS, browser_version_hint, chromium_path, launch_options
from crawler.browser.oauth import parse_authorize, provider_of, return_url
from crawler.browser.profiles import PROFILES, Profile, get_profile
from crawler.browser.visit import Visit

__all__ = [
    "OAUTH_HOSTS",
    "PROFILES",
    "Profile",
    "Visit",
    "browser_version_hint",
    "chromium_path",
    "get_profile",
    "launch_options",
    "parse_authorize",
    "provider_of",
    "return_url",
]
