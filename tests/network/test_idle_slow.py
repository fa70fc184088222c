#!/usr/bin/env python3
"""Idle over a long window (suite `slow`)."""

from omtest import main
from test_idle import IdleCase


class SlowIdleTest(IdleCase):
    def test_idle_for_long(self):
        self.start_busy_world()
        self.assert_idle(30)


if __name__ == '__main__':
    main()
