import pytest

from tenants.models import Role

pytestmark = pytest.mark.django_db

HOURS = {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "sat": [["10:00", "13:00"]]}


def test_admin_creates_and_updates_a_shop(tenant_a):
    client = tenant_a.client(Role.ADMIN)
    created = client.post(
        "/api/v1/shops",
        {"name": "Lyon", "time_zone": "Europe/Paris", "business_hours": HOURS},
        format="json",
    )
    assert created.status_code == 201, created.json()
    shop_id = created.json()["id"]
    updated = client.patch(f"/api/v1/shops/{shop_id}", {"name": "Lyon Centre"}, format="json")
    assert updated.json()["name"] == "Lyon Centre"
    names = [s["name"] for s in tenant_a.client(Role.VIEWER).get("/api/v1/shops").json()["results"]]
    assert "Lyon Centre" in names


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ({"funday": []}, "“funday” is not a day of the week"),
        ({"mon": [["18:00", "09:00"]]}, "Monday: the closing time (09:00) must be after"),
        (
            {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
            "must start after the first one closes",
        ),
        ({"mon": [["9am", "5pm"]]}, "an opening and a closing time in 24-hour format"),
    ],
)
def test_bad_business_hours_are_explained(tenant_a, hours, problem):
    response = tenant_a.client().post(
        "/api/v1/shops", {"name": "X", "business_hours": hours}, format="json"
    )
    assert response.status_code == 400
    assert problem in " ".join(response.json()["error"]["fields"]["business_hours"])


def test_an_unknown_time_zone_is_refused(tenant_a):
    response = tenant_a.client().post(
        "/api/v1/shops", {"name": "X", "time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400
    assert "time_zone" in response.json()["error"]["fields"]


def test_an_agent_cannot_create_shops(tenant_a):
    assert (
        tenant_a.client(Role.AGENT).post("/api/v1/shops", {"name": "X"}, format="json").status_code
        == 403
    )
