"""Reports: the cluster's money (money.py) and the Working Party's round pack (pack.py)."""
