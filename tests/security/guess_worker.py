"""One 'kernel' of a guessing run: a process with its own kernel id, serving the same client, that tries
codes (or the facilitator secret) as fast as it can until a deadline. Prints JSON counts.

With a fifth argument "rotate:N" each try comes from a new browser at the next of N addresses (the store's
note of the kernel's client changes before every try): an attacker rotating addresses and pages."""

import json
import os
import sys
import time


def main() -> None:
    db, scope, kernel_id, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    rotate = sys.argv[5] if len(sys.argv) > 5 else ""  # "rotate:N": a new address and browser key each try
    os.environ["VOILA_KERNEL_ID"] = kernel_id
    from caregiver_course.store import Store
    from caregiver_course.ui import app as app_mod

    app_mod.WRONG_CODE_DELAY = 0  # the per-kernel pause is not what protects the codes: the shared limit is
    store = Store(db)
    checked = refused = found = 0
    if scope == "secret":
        os.environ["CAREGIVER_FACILITATOR_SECRET"] = "the-right-secret-123"
        from caregiver_course.ui import dashboard

        dashboard.time.sleep = lambda s: None
        d = dashboard.Dashboard(store)
        password, go, message = d.body.children
    else:
        app = app_mod.CourseApp(store)
        app.identity.receive({"hello": {"token": ""}})
    n = 0
    deadline = time.time() + seconds  # counted from when this kernel's page is ready
    while time.time() < deadline:
        n += 1
        if rotate:  # as if every guess came from a new page, at one of N addresses in turn
            address = f"198.51.100.{n % int(rotate.split(':')[1])}"
            store.set_kernel_client(kernel_id, f"{store.client_hash(address)} {store.client_hash(f'{kernel_id}-{n}')}")
        guess = f"OAK-OAK-OAK-OAK-{100 + n % 900}" if scope == "resume" else f"OAK-OAK-{10 + n % 90}"
        if scope == "secret":
            password.value = f"guess-{n}"  # the box sends its text on Enter, which submits it
            reply = message.value
        elif scope == "resume":
            reply = app.resume_with_code(guess)
        else:
            reply = app.join_workshop(guess)
        if "wait" in reply:
            refused += 1
        elif "✓" in reply or "cc-start-workshop" in reply:
            found += 1
        else:
            checked += 1
    print(json.dumps({"checked": checked, "refused": refused, "found": found}))


if __name__ == "__main__":
    main()
