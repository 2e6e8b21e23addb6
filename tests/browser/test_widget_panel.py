"""The widget on the sample shop page: its chat panel stays out of the shop's way
until the bubble opens it, and the bubble closes it again."""

from playwright.sync_api import expect

from tests.browser.support import browser_test, no_problems

pytestmark = browser_test


def test_the_chat_panel_is_hidden_until_the_bubble_opens_it_and_hides_again(demo, new_page, shot):
    visitor = new_page(width=390, height=844)  # a phone, where the panel covers most
    visitor.goto(demo.url + "/demo/shop")
    expect(visitor.locator("h1")).to_have_text("The Demo Bakery")
    bubble = visitor.locator("button.bubble")  # inside the widget's shadow root
    panel = visitor.locator("section.panel")
    expect(bubble).to_be_visible()
    expect(panel).to_be_hidden()
    shot(visitor, "01-closed")

    bubble.click()
    expect(panel).to_be_visible()
    expect(visitor.locator("text=Start chat")).to_be_visible()
    box = panel.bounding_box()
    centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    assert _widget_at(visitor, centre)
    shot(visitor, "02-open")

    bubble.click()
    expect(panel).to_be_hidden()
    assert not _widget_at(visitor, centre)  # the shop's page takes clicks there again
    shot(visitor, "03-closed-again")
    no_problems(visitor)


def _widget_at(page, point) -> bool:
    """Whether the widget (its shadow host) is what a click at point would hit."""
    return page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).id.startsWith('instaply-widget-')", point
    )
