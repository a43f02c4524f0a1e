(import (toString ./imported/ports.nix)).databases.redis
