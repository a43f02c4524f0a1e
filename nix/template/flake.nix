{
  description = "Service ports, checked by portnix";

  inputs.portnix.url = "github:portnix/portnix";

  outputs = { self, portnix }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    in
    {
      # `import ./lib/ports.nix` in NixOS modules; `nix flake check` fails on a conflict.
      checks = builtins.listToAttrs (map
        (system: {
          name = system;
          value = portnix.lib.mkChecks {
            src = ./lib;
            inherit system;
            # With nixpkgs, a second check runs the portnix binary too, for file:line:col:
            # pkgs = nixpkgs.legacyPackages.${system};
          };
        })
        systems);
    };
}
