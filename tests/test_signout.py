"""'Make a new resume code' signs out the devices added with the old code (issue 21, item 6)."""

from caregiver_course.ui.app import CourseApp


def hello(app, token="", code=""):
    app.identity.token = ""
    app.identity.receive({"hello": {"token": token, "code": code}})
    return app.identity.token


def test_a_new_code_signs_out_the_devices_added_with_the_old_one(store):
    first = CourseApp(store)
    hello(first)
    me = first.session.learner
    first.session.record_check("practical", "session-day", "ride", True)
    store.set_journal_on(me.id, True)
    store.add_journal_entry(me.id, "2026-11-01", {"mood": 3, "sleep": 7, "note": "quiet day"})

    phone = CourseApp(store)  # added with the code
    phone.resume_with_code(me.resume_code)
    tablet = CourseApp(store)  # added with the code too
    tablet.resume_with_code(me.resume_code)
    old_phone_token = phone.session.learner.token
    assert phone.session.learner.id == tablet.session.learner.id == me.id
    assert phone.session.checked("session-day") == {"ride"}
    phone.show_journal()
    assert phone.journal.entries()

    new_code = tablet.new_resume_code()  # made on the tablet: the tablet and the first browser stay
    assert store.by_token(old_phone_token) is None and store.by_resume_code(me.resume_code) is None

    # The phone's page was open: its next step shows a plain message and a fresh start, not the old data.
    phone.show_home()
    assert "signed out" in phone.announce.value and "new resume code" in phone.announce.value
    assert phone.session.learner.id != me.id and phone.session.events == []
    assert phone.session.checked("session-day") == set()
    phone.show_journal()
    assert phone.journal.entries() == []
    assert store.by_token(phone.identity.token).id == phone.session.learner.id  # the browser keeps the new one

    # The others were not signed out.
    for app in (first, tablet):
        app.show_home()
        assert "signed out" not in app.announce.value and app.session.learner.id == me.id
    assert store.by_token(first.session.learner.token).id == me.id

    # The phone can go on with the new code.
    assert "Welcome back" in phone.resume_with_code(new_code)
    assert phone.session.learner.id == me.id and phone.session.checked("session-day") == {"ride"}


def test_a_signed_out_device_writes_nothing_more_to_the_learner(store):
    first = CourseApp(store)
    hello(first)
    me = first.session.learner
    phone = CourseApp(store)
    phone.resume_with_code(me.resume_code)
    before = store.count_events(me.id)
    first.new_resume_code()

    # The phone answers before it has moved anywhere: the write is refused, and the page starts afresh.
    phone.session.record_check("practical", "session-day", "ride", True)
    phone.session.changed()
    assert store.count_events(me.id) == before
    assert phone.session.learner.id != me.id and "signed out" in phone.announce.value
