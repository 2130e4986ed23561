import sys

from streamer.main import main

sys.exit(main())
