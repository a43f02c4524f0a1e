# Example 002's registry, with a config that syncs its ports into the components' own files.
set -e
cp examples/002-environments/ports.nix sync-002/lib/ports.nix
