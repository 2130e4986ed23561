"""What the demo prints once everything answers: where it is, tokens, three curls.

Pure text from values, so the README's Quick start and the tests read the
same lines the demo prints. The tokens and the API's URL are printed as
``export`` lines: pasted into another terminal they make every curl below
(and the README's walkthrough) work as written.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from tools.composition.config import Endpoints


@dataclass(frozen=True)
class BannerFacts:
    endpoints: Endpoints
    x_description: str
    feeds_description: str
    admin_user: str
    admin_token: str
    user: str
    user_token: str
    token_hours: int
    new_term: str
    seeded_now: bool
    terms: list[str]
    started_in: float


def curl_commands(user: str, new_term: str) -> list[tuple[str, str]]:
    """(comment, command) for reading a feed, adding a term, adding a feed item."""
    term_body = shlex.quote(json.dumps({"value": new_term}))
    item_body = shlex.quote(json.dumps({"content": "Hello from the streamfeed demo"}))
    auth_user = '-H "Authorization: Bearer $USER_TOKEN"'
    auth_admin = '-H "Authorization: Bearer $ADMIN_TOKEN"'
    json_type = "-H 'Content-Type: application/json'"
    return [
        (
            f"{user}'s feed, newest first",
            f'curl -s {auth_user} "$API/users/me/feed?limit=5"',
        ),
        (
            "add a term: the streamer makes it an X rule at its next poll",
            f'curl -s -X POST {auth_admin} {json_type} -d {term_body} "$API/terms"',
        ),
        (
            f"add an item to {user}'s feed",
            f'curl -s -X POST {auth_admin} {json_type} -d {item_body} "$API/users/{user}/feed"',
        ),
    ]


def render(facts: BannerFacts) -> list[str]:
    ends = facts.endpoints
    seeded = "seeded now" if facts.seeded_now else "kept from earlier runs"
    lines = [
        f"streamfeed demo is running (started in {facts.started_in:.1f} s)",
        "",
        f"  API          {ends.api_url}",
        f"  status page  {ends.status_page_url}   (sign in with the admin token)",
        f"  console      {ends.api_url}/console   (either token: admin pages, or a user's own)",
        f"  X            {facts.x_description}",
        f"  feeds        {facts.feeds_description}",
        f"  terms        {', '.join(facts.terms) or 'none'} ({seeded})",
        f"  data, logs   {ends.data_dir}, {ends.logs_dir}",
        "",
        f"Tokens, valid {facts.token_hours} h. Paste these lines into another terminal:",
        f"  export API={ends.api_url}",
        f"  export ADMIN_TOKEN={facts.admin_token}   # {facts.admin_user}, admin",
        f"  export USER_TOKEN={facts.user_token}   # {facts.user}",
        "",
        "Then try:",
    ]
    for comment, command in curl_commands(facts.user, facts.new_term):
        lines += [f"  # {comment}", f"  {command}"]
    lines += ["", "Ctrl-C stops everything (data is kept in the data folder)."]
    return lines
