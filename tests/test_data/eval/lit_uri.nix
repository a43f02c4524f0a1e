http://example.org/ports
