"""Certificates and notices: what progress earns, rendered, verified and shown in the bell."""
