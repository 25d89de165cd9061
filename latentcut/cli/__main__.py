import sys

from latentcut.cli import main

sys.exit(main())
