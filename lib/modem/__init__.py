"""GenPro 2Xe compatible modem firmware: the portable modules."""
