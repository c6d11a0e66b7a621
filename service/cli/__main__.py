import sys

from tinbai.service.cli import main

sys.exit(main())
