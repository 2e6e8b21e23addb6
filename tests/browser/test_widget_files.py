"""A website visitor sends a picture through the widget's attach button; the agent
sees it in the conversation with its thumbnail. A file of a refused type is
turned down with a clear message in the widget, and nothing reaches the thread."""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.support import browser_test, no_problems, sign_in, wait_live, worker_or_eager

pytestmark = browser_test

LIVE_TIMEOUT = 30_000  # the thumbnail is made by a task after the upload


def _picture() -> bytes:
    image = Image.new("RGB", (640, 480), (230, 240, 250))
    for x in range(160, 480):  # a dark band, so the thumbnail is visibly the picture
        for y in range(200, 280):
            image.putpixel((x, y), (20, 60, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _start_chat(visitor, demo):
    visitor.goto(demo.url + "/demo/shop")
    visitor.click("button.bubble")
    visitor.fill("input[name=name]", "Lou")
    visitor.check("#instaply-age-adult")
    visitor.click("text=Start chat")
    message = visitor.locator("textarea[aria-label='Your message']")
    message.fill("Is this cake still on sale?")
    message.press("Enter")
    expect(visitor.locator(".msg.in .text")).to_have_text("Is this cake still on sale?")


def test_a_visitor_sends_a_picture_and_the_agent_sees_it(request, demo, new_page, shot):
    worker_or_eager(request)
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)

    visitor = new_page(width=900, height=800)
    # Playwright turns Chromium's file-chooser interception on asynchronously when
    # a listener appears; one registered now is in place long before the key press.
    visitor.on("filechooser", lambda chooser: None)
    _start_chat(visitor, demo)
    attach = visitor.locator("button.attach")
    expect(attach).to_have_attribute("aria-label", "Attach a file")
    accept = visitor.locator("input[type=file]").get_attribute("accept")
    assert "image/png" in accept.split(",")

    # Keyboard: the button takes focus and Enter opens the picker.
    expect(visitor.locator("button.send")).to_be_enabled()  # the message's round trip is over
    attach.focus()
    expect(attach).to_be_focused()
    with visitor.expect_file_chooser() as chooser:
        visitor.keyboard.press("Enter")
    chooser.value.set_files(
        files=[{"name": "cake.png", "mimeType": "image/png", "buffer": _picture()}]
    )
    sent = visitor.locator(".msg.in.file", has_text="cake.png")
    expect(sent).to_have_attribute("data-id", re.compile(r"^[0-9a-f-]{36}$"))
    expect(sent.locator(".meta")).to_contain_text("Sent")
    preview = sent.locator("img")
    expect(preview).to_have_attribute("alt", "cake.png")
    visitor.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    expect(visitor.locator(".msg.file.sending")).to_have_count(0)
    expect(visitor.locator(".msg.in")).to_have_count(2)  # later polls do not add it again
    visitor.wait_for_timeout(3500)  # one poll of the widget later
    expect(visitor.locator(".msg.in")).to_have_count(2)
    shot(visitor, "01-visitor-sent-picture", docs="widget-file")

    # After a reload the thread comes from the API, which serves no file to the
    # visitor: the message says a file was sent.
    visitor.reload()
    visitor.click("button.bubble")
    expect(visitor.locator(".msg.in").nth(1).locator(".text")).to_have_text("File sent")

    row = agent.locator("li.conv", has_text="Lou")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    row.locator("a").click()
    expect(agent).to_have_url(re.compile(r"/c/[0-9a-f-]+/$"))
    wait_live(agent)
    thumbnail = agent.locator("#thread li.item.inbound img[data-thumbnail]")
    expect(thumbnail).to_be_visible(timeout=LIVE_TIMEOUT)
    agent.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert 0 < thumbnail.evaluate("img => img.naturalWidth") <= 320
    # A file sent alone has no text, which is not an erased one.
    sent_file = agent.locator("#thread li.item.inbound", has=agent.locator("img[data-thumbnail]"))
    expect(sent_file).not_to_contain_text("[erased]")
    shot(agent, "02-agent-sees-picture")
    no_problems(agent)
    no_problems(visitor)


def test_a_refused_type_is_explained_in_the_widget(demo, new_page, shot):
    visitor = new_page(width=900, height=800)
    _start_chat(visitor, demo)
    with visitor.expect_file_chooser() as chooser:
        visitor.click("button.attach")
    # A page claiming to be a picture: the server reads the bytes, not the claim.
    chooser.value.set_files(
        files=[
            {"name": "page.png", "mimeType": "image/png", "buffer": b"<html>not an image</html>"}
        ]
    )
    error = visitor.locator(".error[role=alert]")
    expect(error).to_have_text("This type of file cannot be sent.")
    expect(visitor.locator(".msg.file")).to_have_count(0)
    expect(visitor.locator("button.attach")).to_be_focused()
    shot(visitor, "01-type-refused")
    # The refused upload's 400 is the only thing the console reports.
    assert all("400" in problem for problem in visitor.problems), visitor.problems
