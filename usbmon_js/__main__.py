import sys

from usbmon_js.cli.main import main

sys.exit(main())
