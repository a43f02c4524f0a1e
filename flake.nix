{
  description = "portnix: a checked, single source of truth for service ports, in Nix";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      # Not nixpkgs.lib.genAttrs: the pure check must evaluate without fetching nixpkgs.
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      portnixLib = import ./nix/lib.nix;

      /* Both checks of a registry folder holding ports.nix (and portnix.nix) in one call:
           checks.${system} = portnix.lib.mkChecks { src = ./lib; inherit system; pkgs = ...; };
         `ports` is pure Nix and needs no nixpkgs; `portnix` runs the binary, with pkgs. */
      mkChecks = args@{ src, pkgs ? null, system ? pkgs.stdenv.hostPlatform.system, portnix ? null }:
        let
          configFile = src + "/portnix.nix";
          registry = {
            registry = src + "/ports.nix";
            config = if builtins.pathExists configFile then configFile else { };
          };
          checked = portnixLib.check registry;
          tool = if portnix != null then portnix else pkgs.callPackage ./nix/package.nix { };
        in
        {
          # Evaluation throws, naming every conflict, before anything is built.
          ports = derivation {
            name = "portnix-ports-check";
            inherit system;
            builder = "/bin/sh";
            args = [ "-c" "echo ok > $out" ];
            checked = builtins.seq checked "ok";
          };
        # `args ? pkgs`, not `pkgs == null`: comparing would fetch nixpkgs for the pure check.
        } // (if !(args ? pkgs) then { } else {
          portnix = pkgs.runCommand "portnix-check" { } ''
            cp -r ${src} lib
            chmod -R u+w lib
            touch flake.nix
            # No pipefail in sh: keep portnix's exit status, and show its report either way.
            status=0
            ${tool}/bin/portnix check --registry lib/ports.nix > report || status=$?
            cat report
            [ "$status" -eq 0 ] && cp report $out
          '';
        });
    in
    {
      lib = portnixLib // { inherit mkChecks; };

      checks = forAllSystems (system: mkChecks {
        src = ./lib;
        inherit system;
        pkgs = nixpkgs.legacyPackages.${system};
        portnix = self.packages.${system}.default;
      });

      packages = forAllSystems (system: {
        default = nixpkgs.legacyPackages.${system}.callPackage ./nix/package.nix { };
      });

      apps = forAllSystems (system: {
        default = {
          type = "app";
          program = "${self.packages.${system}.default}/bin/portnix";
        };
      });

      devShells = forAllSystems (system:
        let pkgs = nixpkgs.legacyPackages.${system}; in {
          default = pkgs.mkShell {
            packages = [ pkgs.cargo pkgs.rustc pkgs.clippy pkgs.rustfmt pkgs.nix ];
          };
        });

      # The module by its path, not the imported function: the module system identifies a
      # module by its path, so its options show where they come from and importing it twice is
      # harmless. `nix flake check` wants a set or a function here, hence the `imports`.
      nixosModules.default = { imports = [ ./nix/module.nix ]; };

      templates.default = {
        path = ./nix/template;
        description = "A registry in lib/ports.nix with its config, checked by `nix flake check`";
      };
    };
}
