from ticket.cli import main

raise SystemExit(main())
