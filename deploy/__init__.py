"""The production topology: the nginx edge and load balancer, and the rig that brings the
whole cluster up on one machine and breaks it (``make cluster-test``, docs/deploy.md)."""
