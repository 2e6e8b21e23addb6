"""runserver, which also runs the beat schedule on the embedded default.

``inner_run`` is what serves: with the autoreloader it runs only in the child
process (the parent merely watches files and restarts it), with ``--noreload``
in the one process. Starting the embedded beat there gives exactly one beat per
serving process; a restart by the autoreloader ends it with its process (a
daemon thread). See instaply/embedded_beat.py.

This app comes before ``whitenoise.runserver_nostatic`` in INSTALLED_APPS so
this command is the one Django picks; it keeps WhiteNoise's ``--nostatic``.
"""

from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhiteNoiseRunserver,
)

from instaply import embedded_beat


class Command(WhiteNoiseRunserver):
    def inner_run(self, *args, **options):
        beat = embedded_beat.start_if_embedded()
        if beat is not None:
            self.stdout.write(
                f"Embedded beat: {len(beat.entries)} periodic tasks run in this process "
                "(EMBEDDED_BEAT=false turns it off).\n"
            )
        super().inner_run(*args, **options)
