"""Running the course as a service: the content check behind ``check`` (``checks``), what must be set before
real learners come (``production``), backups and moving the data between engines (``backup``), and the check
that a clinic's treatment setting shows only text that applies to it (``applies``)."""
