"""The web tier's application (instaply.asgi) with one more baseline in front of
it: a bare POST answered with empty TwiML on the event loop, without Django
(the body read, the answer sent), to measure the native intake against."""

from twilio.twiml.messaging_response import MessagingResponse

from instaply.asgi import application as tier

EMPTY_TWIML = str(MessagingResponse())  # as channels_sms.webhooks.views answers

NATIVE_BARE = "/native/bare-twiml/"
_ANSWER = EMPTY_TWIML.encode()
_HEADERS = [(b"content-type", b"text/xml"), (b"content-length", str(len(_ANSWER)).encode())]


async def application(scope, receive, send):
    if scope["type"] != "http" or scope["path"] != NATIVE_BARE:
        return await tier(scope, receive, send)
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _ANSWER})
