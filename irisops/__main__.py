from irisops.cli import main

raise SystemExit(main())
