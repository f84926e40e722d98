import sys

from skill.doors.cli import main

sys.exit(main())
