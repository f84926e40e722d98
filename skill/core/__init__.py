"""The domain of Heart to Heart in plain Python: no ASK, boto3 or Flask imports here."""
