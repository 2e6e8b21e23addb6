"""What the API reference (/api/docs/) says of each operation, for the people calling it.

View docstrings are written for the people maintaining the code and stay out of
the reference; tenants.api.schema.AutoSchema reads this table instead and adds
the roles allowed to call each operation. A test fails when an operation has no
entry here or an entry names an operation that no longer exists.
"""

from typing import NamedTuple


class Operation(NamedTuple):
    summary: str
    description: str = ""


PAGED = (
    "Pages of results: pass the `next_cursor` of one answer as `cursor` to get the next; "
    "`null` means there is no more."
)

OPERATIONS: dict[str, Operation] = {
    # You and your team.
    "GET /api/v1/me": Operation(
        "Who you are",
        "The person and membership behind the token: role, capabilities and tenant.",
    ),
    "GET /api/v1/me/notification-preferences": Operation(
        "Your notification preferences",
        "Desktop notifications and sound for new messages in conversations assigned to you "
        "or unassigned (off until you choose), and emails when a conversation is assigned to "
        "you or you are mentioned in a note (on until you choose).",
    ),
    "PATCH /api/v1/me/notification-preferences": Operation(
        "Change your notification preferences", "Send only the choices you change (booleans)."
    ),
    "GET /api/v1/me/unread": Operation(
        "What waits for you",
        "How many open conversations assigned to you or unassigned hold messages you have not "
        "read (`more`: over 99), your unread `mentions`, what the Notices link counts "
        "(`notices`: your unread notices and mentions), and of the `conversation` ids you pass "
        "(up to 50, from the events feed) those that concern you: open, assigned to you or "
        "unassigned. Counts and ids only.",
    ),
    "GET /api/v1/members": Operation("List members", "Everyone in the tenant, revoked included."),
    "GET /api/v1/members/{member_id}": Operation("Get a member"),
    "PATCH /api/v1/members/{member_id}": Operation(
        "Change a member's role", "Admins manage every role but owner; owners manage all."
    ),
    "POST /api/v1/members/{member_id}/revoke": Operation(
        "Revoke a member",
        "Takes effect at once: the member's sessions and API tokens stop working on their "
        "next request. Their messages and notes stay.",
    ),
    "GET /api/v1/invitations": Operation("List pending invitations"),
    "POST /api/v1/invitations": Operation(
        "Invite someone",
        "Emails an invitation link to join the tenant with the given role.",
    ),
    "DELETE /api/v1/invitations/{invitation_id}": Operation(
        "Withdraw an invitation", "The link stops working."
    ),
    "POST /api/v1/invitations/{invitation_id}/resend": Operation(
        "Resend an invitation",
        "Emails a new link, valid for a full period; the previous link stops working once "
        "the new one left. The delivery's state (queued, sent, failed) is in the invitation.",
    ),
    "POST /api/v1/invitations/accept": Operation(
        "Accept an invitation",
        "No API token needed: the invitation's own token, with the tenant it came from, is "
        "the credential. Creates the person's account, or adds the membership to the account "
        "they already have (then `password` is that account's), and answers the membership.",
    ),
    "GET /api/v1/tokens": Operation(
        "List API tokens",
        "Owners and admins see every token of the tenant; other members their own.",
    ),
    "POST /api/v1/tokens": Operation(
        "Create an API token",
        "The token is in the answer once and never again: store it now. Send it as "
        "`Authorization: Bearer <token>`.",
    ),
    "DELETE /api/v1/tokens/{token_id}": Operation(
        "Revoke an API token", "Requests with it are refused from now on."
    ),
    "GET /api/v1/tenant/security": Operation(
        "Get the tenant's security settings",
        "Whether every member must sign in with a second factor, and the roles that must "
        "whatever the setting.",
    ),
    "PATCH /api/v1/tenant/security": Operation(
        "Change the tenant's security settings",
        "Require a second factor of every member, or only of the roles that always need one.",
    ),
    "GET /api/v1/tenant/analytics": Operation(
        "Get the tenant's product-analytics choice",
        "Whether the workspace opted out of the anonymous product analytics, and every event "
        "that may be sent with the only values of each of its properties.",
    ),
    "PATCH /api/v1/tenant/analytics": Operation(
        "Opt the tenant out of product analytics, or back in",
        "Opting out stops every event about the workspace at once and drops those still "
        "waiting to be sent.",
    ),
    # Shops and channels.
    "GET /api/v1/shops": Operation("List shops"),
    "POST /api/v1/shops": Operation(
        "Create a shop", "A shop has its own time zone, business hours and automatic reply."
    ),
    "GET /api/v1/shops/{shop_id}": Operation("Get a shop"),
    "PATCH /api/v1/shops/{shop_id}": Operation("Change a shop", "Send only the fields to change."),
    "GET /api/v1/sms-accounts": Operation(
        "List SMS provider accounts", "Secrets are never shown, only whether they are set."
    ),
    "POST /api/v1/sms-accounts": Operation(
        "Connect an SMS provider account",
        "Your own Twilio or Vonage account; its secrets are stored encrypted.",
    ),
    "GET /api/v1/sms-accounts/{account_id}": Operation("Get an SMS provider account"),
    "PATCH /api/v1/sms-accounts/{account_id}": Operation(
        "Change an SMS provider account", "Send only the fields to change."
    ),
    "GET /api/v1/phone-numbers": Operation("List phone numbers"),
    "POST /api/v1/phone-numbers": Operation(
        "Add a phone number",
        "A number of one of your provider accounts, answering for one shop. Give it in "
        "international format (+33612345678).",
    ),
    "GET /api/v1/phone-numbers/{number_id}": Operation("Get a phone number"),
    "PATCH /api/v1/phone-numbers/{number_id}": Operation(
        "Change a phone number", "Move it to another shop, set its Messaging Service, or pause it."
    ),
    "DELETE /api/v1/phone-numbers/{number_id}": Operation(
        "Deactivate a phone number",
        "Texts to it are no longer received; the number and its conversations stay.",
    ),
    "POST /api/v1/sms/segments": Operation(
        "Count the segments of a draft",
        "What a reply will cost before it is sent: its encoding, segments and characters.",
    ),
    "GET /api/v1/widgets": Operation("List website chat widgets"),
    "POST /api/v1/widgets": Operation(
        "Create a website chat widget",
        "The answer includes the line to paste into the shop's web pages.",
    ),
    "GET /api/v1/widgets/{widget_id}": Operation("Get a website chat widget"),
    "PATCH /api/v1/widgets/{widget_id}": Operation(
        "Change a website chat widget",
        "Its look, greeting, pre-chat questions, age gate, special-category consent and "
        "the sites allowed to use it. A new consent text gets the next version.",
    ),
    # The inbox.
    "GET /api/v1/conversations": Operation(
        "List conversations", "Newest activity first, filtered as you ask. " + PAGED
    ),
    "GET /api/v1/conversations/status-counts": Operation(
        "Count conversations by status",
        "How many conversations are open, pending, snoozed and closed under the list's other "
        "filters (`assignee`, `shop`, `label`, `channel`), as the inbox's status tabs show "
        "them: each status has its `count` (at most 999), `more` (over 999) and `shown` "
        '(`"12"`, `"999+"`). Counts only. Each status costs one bounded index scan; ask again '
        "when the events feed says a conversation was created, changed status or changed "
        "hands, no more than every few seconds.",
    ),
    "POST /api/v1/conversations/bulk": Operation(
        "Act on several conversations",
        "One `action` (`close`, `assign`, `label` or `mark_read`) on up to 100 "
        "`conversations` (ids), with `assignee` (a member id, or `null` to unassign) or "
        "`label` (a label id) as the action needs. All or nothing: an id the tenant does not "
        "have is a 404 and changes none. Each conversation changed is audited as a single "
        "change would be; the answer counts those `changed` and those already so "
        "(`unchanged`). Marking read is open to every reader; the other actions need a role "
        "that can change conversations.",
    ),
    "GET /api/v1/conversations/{conversation_id}": Operation("Get a conversation"),
    "POST /api/v1/conversations/{conversation_id}/assign": Operation(
        "Assign a conversation", "To a member of the tenant, or to nobody with `null`."
    ),
    "POST /api/v1/conversations/{conversation_id}/close": Operation(
        "Close a conversation", "A new message from the contact starts a new conversation."
    ),
    "POST /api/v1/conversations/{conversation_id}/reopen": Operation("Reopen a conversation"),
    "POST /api/v1/conversations/{conversation_id}/pending": Operation(
        "Mark a conversation pending",
        "Waiting on something other than the contact; a message from them opens it again.",
    ),
    "POST /api/v1/conversations/{conversation_id}/snooze": Operation(
        "Snooze a conversation", "It opens again by itself at `until`, or when the contact writes."
    ),
    "POST /api/v1/conversations/{conversation_id}/read": Operation(
        "Mark a conversation read", "For you only: each member keeps their own unread counts."
    ),
    "PUT /api/v1/conversations/{conversation_id}/labels/{label_id}": Operation(
        "Add a label to a conversation", "Adding a label it already has changes nothing."
    ),
    "DELETE /api/v1/conversations/{conversation_id}/labels/{label_id}": Operation(
        "Remove a label from a conversation"
    ),
    "GET /api/v1/conversations/{conversation_id}/messages": Operation(
        "List a conversation's messages", "Oldest first. " + PAGED
    ),
    "POST /api/v1/conversations/{conversation_id}/messages": Operation(
        "Reply",
        "Sends the reply over the contact's channel (SMS or the website chat). The answer is "
        "the queued message; its `status` follows delivery as the provider reports it.",
    ),
    "GET /api/v1/conversations/{conversation_id}/notes": Operation(
        "List a conversation's notes", "Notes are seen by the team only, never by the contact."
    ),
    "POST /api/v1/conversations/{conversation_id}/notes": Operation(
        "Add a note", "Seen by the team only, never by the contact."
    ),
    "GET /api/v1/events": Operation(
        "Wait for what is new",
        "The tenant's live feed, long-polled. Call it first without `after` to get the "
        "current `cursor`; then pass the last cursor as `after`: the answer comes as soon "
        "as something happens, or after `wait` seconds with no results.",
    ),
    "GET /api/v1/contacts": Operation("List contacts", PAGED),
    "POST /api/v1/search": Operation(
        "Search messages or contacts",
        "Messages holding every word of `q` (`scope` `messages`, the default), or contacts "
        "whose name parts start with each term of `q`, or with this email or phone number in "
        "any common format (`scope` `contacts`), newest first. A POST so the words stay out "
        "of URLs and logs. `complete` is false when the page stopped at its scan budget "
        "before filling up: go on with `next_cursor`. " + PAGED,
    ),
    "GET /api/v1/contacts/{contact_id}": Operation("Get a contact"),
    "PATCH /api/v1/contacts/{contact_id}": Operation(
        "Change a contact", "Send only the fields to change."
    ),
    "GET /api/v1/contacts/{contact_id}/conversations": Operation(
        "A contact's conversations",
        "The contact's history, newest first: each conversation's status, channel, "
        "assignee, when it was opened and closed, the conversation it follows "
        "(`previous_id`) and its last message's preview. " + PAGED,
    ),
    "GET /api/v1/contacts/{contact_id}/consents": Operation(
        "A contact's consent ledger",
        "Every consent the person gave or withdrew, oldest first: purpose, given or "
        "withdrawn, channel (widget, sms_keyword, staff), the text and its version, the "
        "privacy-policy version then in force, who recorded it, and details (what a "
        "withdrawal deleted, the keyword texted). `current` is the state of each purpose: "
        "its newest entry. A parental authorisation is decided by staff entries only: a "
        "15-17-year-old's own declaration in the chat is listed (`declaration` true) but "
        "never counts as given. The read is on the audit record.",
    ),
    "POST /api/v1/contacts/{contact_id}/consents": Operation(
        "Record a consent or its withdrawal",
        "What the person told you: `purpose` (`marketing` or `special_category_data`), "
        "`action` (`given` or `withdrawn`), the `text` they agreed to (required when given) "
        "and its `text_version`. A withdrawal deletes the messages sent under that consent "
        "and says so in the entry's details; withdrawing a consent not in force is refused "
        "(409 `consent_not_given`). SMS consent follows the STOP and START keywords only.",
    ),
    # Minors (docs/privacy.md#minors).
    "POST /api/v1/contacts/{contact_id}/age": Operation(
        "Set a contact's age",
        "`age_status` (unknown, adult, minor_unauthorised, under_15) or `age` in years, "
        "placed by the workspace's threshold ages. Under 15: every message to the contact "
        "is refused at once and an erasure request (reason `child_under_15`) is filed. "
        "15 to 17: replies are refused (409 `parental_authorisation_required`) until the "
        "parental authorisation is recorded. Only an owner can withdraw an under-15 mark, "
        "before the erasure starts; it cancels the request.",
    ),
    "POST /api/v1/contacts/{contact_id}/parental-authorisation": Operation(
        "Record a parental authorisation",
        "For a 15-17-year-old: who gave it (`given_by`), when (`given_on`) and how "
        "(`method`: in_person, phone, written, other), with an optional `note`. It goes "
        "into the contact's consent ledger and lifts the hold on replies.",
    ),
    "DELETE /api/v1/contacts/{contact_id}/parental-authorisation": Operation(
        "Withdraw a parental authorisation",
        "Recorded in the consent ledger; replies to the contact are refused again.",
    ),
    "GET /api/v1/labels": Operation("List labels"),
    "POST /api/v1/labels": Operation("Create a label"),
    "PATCH /api/v1/labels/{label_id}": Operation(
        "Change a label", "Its name or colour (`#rrggbb`); send only the fields to change."
    ),
    "DELETE /api/v1/labels/{label_id}": Operation(
        "Delete a label", "It is removed from every conversation that has it."
    ),
    "GET /api/v1/canned-responses": Operation(
        "List canned responses", "Ready-made replies the team can insert."
    ),
    "POST /api/v1/canned-responses": Operation("Create a canned response"),
    "GET /api/v1/canned-responses/{canned_id}": Operation("Get a canned response"),
    "PATCH /api/v1/canned-responses/{canned_id}": Operation(
        "Change a canned response", "Send only the fields to change."
    ),
    "DELETE /api/v1/canned-responses/{canned_id}": Operation("Delete a canned response"),
    # Audit and security.
    "GET /api/v1/audit/events": Operation(
        "Export the audit log",
        "Every recorded access and change of the tenant, as JSON lines or CSV, each event "
        "with its place in the tamper-evident chain. The export is itself recorded.",
    ),
    "GET /api/v1/security/alerts": Operation(
        "List security alerts",
        "Bursts of failed sign-ins or refusals, unusual exports, sign-ins from new places.",
    ),
    "POST /api/v1/security/alerts/{alert_id}/acknowledge": Operation(
        "Acknowledge a security alert", "Marks it handled; acknowledging it again changes nothing."
    ),
    # Data-subject requests the workspace forwards to the platform (owners, privacy officers).
    "GET /api/v1/privacy/requests": Operation(
        "List privacy requests",
        "Newest first, by keyset pages; filter by state and type.",
    ),
    "POST /api/v1/privacy/requests": Operation(
        "File a privacy request",
        "Access, portability, rectification, erasure, restriction, objection or a withdrawal, "
        "for a person named by phone, email or contact id. The same Idempotency-Key returns "
        "the first request (200); a duplicate of an open request is linked to it.",
    ),
    "GET /api/v1/privacy/requests/{dsr_id}": Operation(
        "A privacy request",
        "Its state, due time, working time left, progress, counts and history.",
    ),
    "POST /api/v1/privacy/requests/{dsr_id}/cancel": Operation(
        "Cancel a privacy request", "Possible until the platform starts the work."
    ),
    "POST /api/v1/privacy/requests/{dsr_id}/answer": Operation(
        "Answer a paused privacy request",
        "New identifiers or the contact id, and a note: the request is matched again and "
        "its clock runs again.",
    ),
    "GET /api/v1/privacy/requests/{dsr_id}/package": Operation(
        "Download an access package",
        "The ZIP built for an access or portability request: 409 until it is built, 410 "
        "seven days after. Every download is on the audit record.",
    ),
    # Retention: how long the workspace keeps conversations (privacy/retention).
    "GET /api/v1/retention": Operation(
        "Retention",
        "The days after which conversations with no activity are deleted (and closed ones, "
        "if sooner), the platform's bounds, what the next daily run would delete (counts "
        "per kind) and what the last one did. Pass `inactive_days` (and `closed_days`) to "
        "see, under `proposed`, what the next run would delete with those values.",
    ),
    "PUT /api/v1/retention": Operation(
        "Change retention",
        "Both values in days, within the bounds; `closed_days` (null: like the others) is "
        "at most `inactive_days`. A shorter retention deletes at the next daily run what "
        "the former kept: preview it first with GET. Owners and privacy officers get an "
        "in-app notice of every change.",
    ),
    # The workspace's breach register (breaches/): owners, admins, privacy officers.
    "GET /api/v1/breach-notices": Operation(
        "List breach notices",
        "The personal-data breach notices sent to this workspace, newest first: the "
        "incident's facts (GDPR Art. 33(3)), approximate counts, deadline, when sent, "
        "how late and why, and whether it was acknowledged.",
    ),
    "GET /api/v1/breach-notices/{breach_notice_id}": Operation(
        "A breach notice",
        "One notice with its follow-up updates in order. Reading it is on the audit "
        "record; a notice not sent yet, or another workspace's, is a 404.",
    ),
    # The website chat widget, called by the widget's script on the shop's site.
    "GET /api/widget/v1/{widget_key}/config": Operation(
        "Widget settings",
        "What the chat shows: greeting, colours, pre-chat questions, and the consent "
        "asked before special-category data (its text and version). Texts come in the "
        "`Accept-Language` sent (the tenant's own per language, where given), with the "
        "shop's availability: open now, when it opens again, and how fast it usually replies.",
    ),
    "POST /api/widget/v1/{widget_key}/typing": Operation(
        "The visitor is typing",
        "Shows the shop the visitor typing for a few seconds; nothing is stored. Send one "
        "every few seconds at most while typing (limited per visitor).",
    ),
    "POST /api/widget/v1/{widget_key}/seen": Operation(
        "The visitor saw a reply",
        "Moves the visitor's read marker up to `message_id`, a reply of their chat "
        "(never back): staff see which reply the visitor saw.",
    ),
    "POST /api/widget/v1/{widget_key}/sessions": Operation(
        "Start a chat",
        "Answers the visitor token to send as `X-Visitor-Token` with the visitor's next requests.",
    ),
    "GET /api/widget/v1/{widget_key}/messages": Operation(
        "The visitor's messages",
        "Pass the last message id as `after` to get only newer ones. Replies carry the "
        "replying member's first name (`author`); `seen_at` says when the shop last opened "
        "the conversation, `typing` whether someone of the shop is typing now.",
    ),
    "POST /api/widget/v1/{widget_key}/messages": Operation(
        "Write to the shop",
        "While the visitor's special-category consent is in force, the message is sent "
        "under it: withdrawing the consent deletes it.",
    ),
    "POST /api/widget/v1/{widget_key}/files": Operation(
        "Send a file to the shop",
        "A `multipart/form-data` upload in the field `file`. Its type is read from its "
        "content (images, PDF, audio, video; the declared type is ignored) and its size "
        "checked: `400` `file_type_refused` or `file_too_large` and nothing is written. "
        "Accepted, it lands as a message of the visitor's chat, stored encrypted.",
    ),
    "GET /api/widget/v1/{widget_key}/consent": Operation(
        "The visitor's special-category consent",
        "Whether the chat asks for it, its text and version, and whether this visitor gave it.",
    ),
    "POST /api/widget/v1/{widget_key}/consent": Operation(
        "Give the special-category consent",
        "Send the `text_version` shown; a wording changed since is refused (409 "
        "`consent_text_changed`). Giving it again changes nothing (200).",
    ),
    "POST /api/widget/v1/{widget_key}/consent/withdraw": Operation(
        "Withdraw the special-category consent",
        "Deletes the messages the visitor sent under it and answers their ids.",
    ),
}
