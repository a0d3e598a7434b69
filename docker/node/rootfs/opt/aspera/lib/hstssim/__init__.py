"""Simulation of IBM Aspera HSTS's proprietary programs for the hsts-cluster test rig.

Behaves as the product is documented to behave where the HA procedure depends on it:
aspera.conf's <server> section drives how a node reaches its Redis, through the Sentinels
named there when db_type is ha_redis, authenticated with the stored Redis password.
"""
