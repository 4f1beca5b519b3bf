"""Navigation closes what it replaces: 200 presses of Home and Next leave the kernel as it was after 10."""

import gc

import ipywidgets

from caregiver_course.ui.app import CourseApp


def open_widgets() -> int:
    gc.collect()
    return len(ipywidgets.Widget.widgets)


def rss_bytes() -> int:
    gc.collect()
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


def navigate(app, times: int) -> None:
    lessons = [lesson.id for lesson in app.content.lessons]
    for i in range(times):
        app.show_home()
        app.show_lesson(lessons[i % len(lessons)])


def test_200_navigations_keep_widgets_and_memory_flat(store):
    app = CourseApp(store)
    app.identity.receive({"hello": {"token": ""}})
    navigate(app, 9)  # every lesson built once (lessons are cached), and the start page
    navigate(app, 10)
    widgets_10, memory_10 = open_widgets(), rss_bytes()
    navigate(app, 200)
    widgets_200, memory_200 = open_widgets(), rss_bytes()
    print(f"open widgets {widgets_10} -> {widgets_200}; memory {memory_10 / 2**20:.1f} -> {memory_200 / 2**20:.1f} MiB")
    assert widgets_200 <= widgets_10 * 1.10, (widgets_10, widgets_200)
    assert memory_200 <= memory_10 * 1.10, (memory_10, memory_200)
