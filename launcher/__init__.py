"""`vuce-sol`: run the IdP, VUCE, the mail sink and the mail worker together."""
