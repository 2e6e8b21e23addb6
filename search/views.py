"""The search page of the web inbox: messages and contacts matching a query.

A POST, like the inbox's search by phone or email (web/inbox.py): the words
stay out of URLs, history and logs. The first page of each kind is shown; "more"
posts the query again with that kind's cursor.
"""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from instaply.errors import Invalid
from search import selectors
from search.audit import record_search
from tenants.permissions import Capability
from web.tenancy import member_required

PAGE_SIZE = 20
SCOPES = {"messages": selectors.message_search, "contacts": selectors.contact_search}


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONVERSATIONS_READ)
def search_page(request):
    context = {"query": "", "section": "inbox", "searched": False}
    if request.method != "POST":
        return render(request, "search/search.html", context)
    query = request.POST.get("q", "")[: selectors.MAX_QUERY]
    more = request.POST.get("scope")
    scopes = [more] if more in SCOPES else list(SCOPES)
    errors = {}
    for scope in scopes:
        try:
            page = SCOPES[scope](
                member=request.membership,
                query=query,
                cursor=(request.POST.get("cursor") or None) if more else None,
                limit=PAGE_SIZE,
            )
        except Invalid as error:
            errors[scope] = error.message
            continue
        record_search(request, scope=scope, page=page)
        context[f"found_{scope}"] = page
    context |= {"query": query, "searched": True, "more": more if more in SCOPES else ""}
    if len(errors) == len(scopes):
        # Nothing could be searched: say why (the contacts' reason names every way).
        context["error"] = errors.get("contacts") or errors.get("messages")
        return render(request, "search/search.html", context, status=400)
    return render(request, "search/search.html", context)
