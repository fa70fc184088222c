#!/usr/bin/env python3
"""HrOpenOfflineObj failing in a loop, natively and under valgrind's memcheck and helgrind:
the schedule that once hung the library in pthread_join() (docs/design.md, "Threads").
A file of its own for a longer meson timeout: the loops under valgrind take tens of
seconds on a loaded machine, and only a call that stops returning is a failure."""

import os
import subprocess
import tempfile
import time

from clienttest import BUILD_ROOT, ClientTestCase
from omtest import TIMEOUT_SCALE, main


class OpenLoopTest(ClientTestCase):
    """HrOpenOfflineObj failing again and again where the daemon is neither running nor
    activatable: each failure starts the dispatch thread and stops it at once, the
    schedule that once lost the stop's wake-up and hung in pthread_join(). Every run is
    bounded, and a hang is reported with the call that hung."""

    def assert_loop_finishes(self, wrapper, count, stall, what):
        """Runs open-loop; a hang is a call that does not return: no new call started
        for @stall seconds (scaled). A slow machine only makes the loop take longer."""
        args = list(wrapper) + [os.path.join(BUILD_ROOT, 'tests', 'client', 'open-loop'),
                                str(count)]
        with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
            proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            progress, since = -1, time.monotonic()
            while proc.poll() is None:
                size = os.fstat(out.fileno()).st_size
                if size != progress:
                    progress, since = size, time.monotonic()
                elif time.monotonic() - since > stall * TIMEOUT_SCALE:
                    proc.kill()
                    proc.wait()
                    out.seek(0)
                    lines = out.read().split()
                    self.fail('%s: HrOpenOfflineObj hung: no call returned for %g s, '
                              'last started %s' % (what, stall * TIMEOUT_SCALE,
                                                   ' '.join(lines[-2:]) if lines else
                                                   'nothing'))
                try:
                    proc.wait(0.2)      # or exits: then the loop ends at once
                except subprocess.TimeoutExpired:
                    pass
            out.seek(0)
            err.seek(0)
            output, errors = out.read(), err.read()
        self.assertEqual(proc.returncode, 0, '%s: exit status %d\n%s%s'
                         % (what, proc.returncode, output[-400:], errors[-4000:]))
        self.assertEqual(output.splitlines()[-1], 'ok %d' % count, what)

    def test_failing_opens_natively_on_one_cpu(self):
        """One CPU serialises the application and the dispatch thread, as valgrind does."""
        self.assert_loop_finishes(['taskset', '--cpu-list', '0'], 5000, 10,
                                  '5000 failing opens on one CPU')

    def valgrind(self, tool, *options):
        if os.environ.get('OM_SANITIZED'):
            self.skipTest('valgrind cannot run the ASan-instrumented library')
        return ['valgrind', '--tool=' + tool, '--error-exitcode=99'] + list(options)

    def test_failing_opens_under_memcheck(self):
        self.assert_loop_finishes(
            self.valgrind('memcheck', '--leak-check=full', '--show-leak-kinds=definite',
                          '--errors-for-leak-kinds=definite'),
            300, 15, "300 failing opens under memcheck")

    def test_failing_opens_under_helgrind(self):
        self.assert_loop_finishes(
            self.valgrind('helgrind', '--suppressions=' + os.path.join(
                os.environ['OM_SOURCE_ROOT'], 'tests', 'client', 'helgrind.supp')),
            300, 15, "300 failing opens under helgrind")


if __name__ == '__main__':
    main()
