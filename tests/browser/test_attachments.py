"""An image MMS is shown in the thread with its thumbnail.

A phone sends a picture through the provider simulator, which calls the live
server's webhook as Twilio does, media URL included; the worker (or the tasks
in-process) fetches the picture from the simulator with the account's
credentials, stores it encrypted and makes its thumbnail; the open conversation
refreshes and shows it. The thumbnail and the file are served by our origin as
images only, behind the member's session.
"""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.support import browser_test, no_problems, sign_in, wait_live, worker_or_eager

pytestmark = browser_test

PHONE = "+14155550188"
LIVE_TIMEOUT = 30_000  # two tasks after the webhook: the fetch, then the thumbnail


def _picture() -> bytes:
    image = Image.new("RGB", (800, 600), (250, 235, 215))
    for x in range(200, 600):  # a dark band, so the thumbnail is visibly the picture
        for y in range(250, 350):
            image.putpixel((x, y), (120, 60, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_an_image_mms_is_shown_in_the_thread(request, demo, simulator, new_page, shot):
    worker_or_eager(request)
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)

    [number] = [n for n in demo.numbers if n["provider"] == "simulator"]
    sent = simulator.inject_inbound(
        provider="twilio",
        from_=PHONE,
        to=number["number"],
        body="The box arrived crushed, see the photo",
        media=[{"content_type": "image/jpeg", "data": _picture()}],
    )
    assert sent["status"] == 200, sent

    row = agent.locator("li.conv", has_text="arrived crushed")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    message = agent.locator("li.item.inbound", has_text="arrived crushed")
    thumbnail = message.locator("img[data-thumbnail]")
    expect(thumbnail).to_be_visible(timeout=LIVE_TIMEOUT)
    # Loaded (not a broken image): the thumbnail task ran before the thread showed it.
    agent.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    width = thumbnail.evaluate("img => img.naturalWidth")
    assert 0 < width <= 320
    shot(agent, "01-mms-in-thread", docs="attachments")

    # The full picture, from our origin, as an image and nothing else.
    href = message.locator(".message-file a").get_attribute("href")
    answer = agent.request.get(demo.url + href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    no_problems(agent)
