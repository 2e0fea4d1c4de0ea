"""The practice login and account of the simulator (not secrets: it accepts only these)."""

SIM_USERNAME = "sim"
SIM_PASSWORD = "sim"
SIM_ACCOUNT_ID = 700001
SIM_USER_ID = 5001
SIM_ACCOUNT_NAME = "SIM1"
