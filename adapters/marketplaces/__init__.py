"""Marketplace claim sources (core.ports.ClaimSource), their claim actions
(core.ports.ClaimActions, `<name>_actions`), and the HTTP plumbing they share.

Shared, marketplace-neutral modules (underscore = for adapters in this package only):
- `_http`: the httpx client factory and the request runner `MarketplaceHttp` (retries, rate
  limit, errors; JSON bodies parsed, others handed over as bytes)
- `_retry`: the pure retry decision; `_ratelimit`: the client-side token bucket
- `_json`: typed reads of a JSON body that name the bad field; `_time`: KST, windows
  (the system clock is `adapters.clock`, shared with the rest of the program)
- `_xml`: XML answers (11st): prolog-aware decoding, a hostile-XML-safe parser (defusedxml),
  namespaces stripped, typed reads that name the bad element
- `_claims`: merging one claim seen in several lists of one fetch; `SetAside`, a record kept
  for a person instead of guessed at (each source's `set_aside` list)
- `_actions`: what every claim action shares: one write attempt, settled into an outcome
  (re-reading the claim when the answer cannot say), never resent
- `checks`: `AccountCheck`, what a source's `check()` (`cancelbot accounts check`) found
"""
