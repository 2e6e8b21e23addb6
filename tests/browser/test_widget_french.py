"""The widget speaks the visitor's language: a French browser on the bakery's
website (its page in French, <html lang="fr">) gets the whole chat in French,
from the bubble to the agent's reply, with typing and seen both ways; the brand
colour is there from the widget's first paint; a closed shop says when it is back."""

import datetime as dt
import zoneinfo

from playwright.sync_api import expect

from tests.browser.support import LIVE_TIMEOUT, browser_test, no_problems, sign_in, wait_live

pytestmark = browser_test

BRAND = "#b4235a"
BRAND_RGB = "rgb(180, 35, 90)"


def _set_up(demo, *, hours: dict):
    widget = demo.widget
    widget.colour = BRAND
    widget.greetings = {"fr": "Bonjour ! Une question sur nos pains ou nos gâteaux ?"}
    widget.special_category_consent = True
    widget.special_category_text = "I agree that the bakery processes my allergy details."
    widget.special_category_text_version = "1"
    widget.save()
    demo.shop.business_hours = hours
    demo.shop.save(update_fields=["business_hours"])
    agent = demo.login("agent")["membership"].user
    agent.full_name = "Camille Martin"
    agent.save(update_fields=["full_name"])


def test_a_french_visitor_chats_in_french_with_typing_and_seen(demo, new_page, shot):
    _set_up(demo, hours={})  # no hours: always open
    agent = new_page()
    sign_in(agent, demo, "agent")
    wait_live(agent)

    visitor = new_page(width=900, height=800, locale="fr-FR")
    visitor.goto(demo.url + "/demo/shop")
    expect(visitor.locator("html")).to_have_attribute("lang", "fr")
    bubble = visitor.locator("button.bubble")
    expect(bubble).to_have_attribute("aria-label", "Discutez avec nous")
    bubble.click()
    head = visitor.locator(".head")
    expect(head).to_contain_text("Nous répondons en général en quelques heures.")
    expect(visitor.locator(".body")).to_contain_text("Bonjour ! Une question sur nos pains")
    expect(visitor.locator("input[name=name]")).to_have_attribute("placeholder", "Nom")
    expect(visitor.locator("legend")).to_have_text("Votre âge")
    expect(visitor.locator("a", has_text="Politique de confidentialité")).to_be_visible()
    visitor.fill("input[name=name]", "Léa")
    visitor.check("#instaply-age-adult")
    visitor.click("text=Commencer la discussion")

    # The consent box's chrome is French; the tenant's own words stay as written.
    consent = visitor.locator(".consent")
    expect(consent).to_contain_text("Ne donnez pas d’informations de santé")
    expect(consent).to_contain_text("I agree that the bakery processes my allergy details.")
    message = visitor.locator("textarea[aria-label='Votre message']")
    message.fill("Avez-vous du pain sans gluten aujourd'hui ?")
    message.press("Enter")
    mine = visitor.locator(".msg.in")
    expect(mine.locator(".text")).to_have_text("Avez-vous du pain sans gluten aujourd'hui ?")
    expect(mine.locator(".receipt")).to_have_text(" · Envoyé")

    row = agent.locator("li.conv", has_text="Léa")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT)
    row.locator("a").click()
    wait_live(agent)
    expect(agent.locator("#thread")).to_contain_text("pain sans gluten")

    # The agent opened the conversation: the visitor's message is seen.
    expect(mine.locator(".receipt")).to_have_text(" · Vu", timeout=LIVE_TIMEOUT)
    # The visitor types: the agent sees it; their message ends it.
    message.press_sequentially("Et des éclairs", delay=40)
    expect(agent.locator("[data-widget-live]")).to_have_text("Léa is typing…", timeout=LIVE_TIMEOUT)
    message.fill("")

    # The agent types: the visitor sees their first name, nothing more of them.
    agent.locator("#reply-body").press_sequentially("Oui, un pain au sarrasin", delay=40)
    typing = visitor.locator(".typing")
    expect(typing).to_have_text("Camille écrit…", timeout=LIVE_TIMEOUT)
    agent.locator("#reply-body").press_sequentially(". On vous le garde ?", delay=10)
    agent.click("#reply-form button[type=submit]")
    expect(agent.locator("li.item.outbound", has_text="sarrasin")).to_be_visible()

    answer = visitor.locator(".msg.out", has_text="sarrasin")
    expect(answer).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(answer.locator(".meta")).to_contain_text("Camille · ")
    expect(answer.locator(".meta")).not_to_contain_text("Martin")
    expect(typing).to_have_text("")
    shot(visitor, "01-visitor-in-french", docs="widget-french")

    # The visitor's chat showed the reply: the agent sees it was seen.
    expect(agent.locator("[data-visitor-seen]")).to_have_text(
        "Seen by the visitor", timeout=LIVE_TIMEOUT
    )
    shot(agent, "02-agent-sees-seen")
    no_problems(agent)
    no_problems(visitor)


def test_the_brand_colour_is_there_from_the_first_paint(demo, new_page):
    _set_up(demo, hours={})
    visitor = new_page(width=900, height=800)
    calls = []
    visitor.on(
        "request", lambda request: "/api/widget/" in request.url and calls.append(request.url)
    )
    # Before any script of the page: the bubble's colour in the frame it first paints.
    visitor.add_init_script(
        """
        window.__firstPaint = null;
        new MutationObserver(function (records, observer) {
          var host = document.querySelector("[id^=instaply-widget-]");
          if (!host) { return; }
          observer.disconnect();
          requestAnimationFrame(function () {
            var bubble = host.shadowRoot.querySelector(".bubble");
            window.__firstPaint = getComputedStyle(bubble).backgroundColor;
          });
        }).observe(document, { childList: true, subtree: true });
        """
    )
    visitor.goto(demo.url + "/demo/shop")
    visitor.wait_for_function("window.__firstPaint !== null")
    assert visitor.evaluate("window.__firstPaint") == BRAND_RGB
    assert calls == []  # no API call was needed for it
    no_problems(visitor)


def test_a_closed_shop_says_when_it_is_back_in_the_visitors_language(demo, new_page, shot):
    # Open only on a day other than today (Paris time): closed now, back that day.
    today = dt.datetime.now(zoneinfo.ZoneInfo(demo.shop.time_zone)).weekday()
    other = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(today + 2) % 7]
    _set_up(demo, hours={other: [["09:00", "18:00"]]})
    demo.widget.away_messages = {}
    demo.widget.save(update_fields=["away_messages"])
    visitor = new_page(width=900, height=800, locale="fr-FR")
    visitor.goto(demo.url + "/demo/shop")
    visitor.click("button.bubble")
    status = visitor.locator(".head .status")
    expect(status).to_contain_text("De retour")
    expect(status).to_contain_text("09:00")
    expect(visitor.locator(".away")).to_have_text(
        "Nous sommes fermés pour le moment. Laissez-nous un message : nous vous répondrons "
        "à notre retour."
    )
    shot(visitor, "01-closed-in-french")
    no_problems(visitor)


def test_the_pages_language_wins_over_the_browsers_and_the_snippet_over_both(demo, new_page):
    _set_up(demo, hours={})
    # An English browser on the shop's French page: French.
    visitor = new_page(locale="en-GB")
    visitor.goto(demo.url + "/demo/shop?lang=fr")
    expect(visitor.locator("html")).to_have_attribute("lang", "fr")
    visitor.click("button.bubble")
    expect(visitor.locator("text=Commencer la discussion")).to_be_visible()
    expect(visitor.locator("legend")).to_have_text("Votre âge")  # the server's words too
    no_problems(visitor)
    # A French browser on a French page whose snippet says English: English.
    other = new_page(locale="fr-FR")
    other.goto(demo.url + "/demo/shop?lang=fr&widget_lang=en")
    expect(other.locator("html")).to_have_attribute("lang", "fr")
    other.click("button.bubble")
    expect(other.locator("text=Start chat")).to_be_visible()
    expect(other.locator("legend")).to_have_text("Your age")
    expect(other.locator(".body")).to_contain_text(demo.widget.greeting)
    no_problems(other)
