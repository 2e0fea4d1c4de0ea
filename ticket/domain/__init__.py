"""The pure trading model: instruments, prices, orders, the plan and the rules. No Qt, no HTTP."""
