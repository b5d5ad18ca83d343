def test_vietnamese_is_served_even_to_a_browser_set_to_english(demo, staff_client):
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "vi"


def test_the_users_choice_of_english_is_kept(demo, staff_client):
    staff_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    response = staff_client.get("/admin/")
    assert response.headers["Content-Language"] == "en"
