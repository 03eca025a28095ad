"""Service layer: the use cases, each public function one transaction."""
