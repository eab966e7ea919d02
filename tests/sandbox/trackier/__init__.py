"""Fidelity tests of the Trackier campaign API (v2) sandbox."""
