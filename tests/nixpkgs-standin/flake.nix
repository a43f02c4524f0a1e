# A STAND-IN for nixpkgs, for portnix's tests only: see README.md. Plumbing, no portnix logic.
{
  outputs = { self }:
    let
      host = import ./host.nix;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      pkgsFor = system:
        let
          sh = name: env: script: derivation ({
            inherit name system;
            builder = "/bin/sh";
            args = [ "-c" script ];
            PATH = "/usr/local/bin:/usr/bin:/bin";
          } // env);
          pkgs = {
            stdenv.hostPlatform.system = system;
            lib = {
              importTOML = file: builtins.fromTOML (builtins.readFile file);
              cleanSourceWith = { src, filter, ... }: builtins.path { path = src; inherit filter; name = "source"; };
              licenses.mit = { shortName = "mit"; };
              literalExpression = text: { _type = "literalExpression"; inherit text; };
            };
            callPackage = f: overrides:
              let fn = if builtins.isFunction f then f else import f; in
              fn (builtins.intersectAttrs (builtins.functionArgs fn) pkgs // overrides);
            runCommand = name: env: script: sh name env script;
            mkShell = { packages ? [ ], ... }: sh "shell" { } "echo shell > $out";
            rustPlatform.buildRustPackage = { pname, src, ... }: sh pname { } ''
              export HOME=${host.home} CARGO_HOME=${host.cargoHome} CARGO_TARGET_DIR=${host.targetDir}
              ${host.cargo} build --offline --locked --manifest-path ${src}/Cargo.toml --bin ${pname}
              mkdir -p $out/bin
              cp ${host.targetDir}/debug/${pname} $out/bin/
            '';
            cargo = sh "cargo" { } "echo > $out";
            rustc = pkgs.cargo;
            clippy = pkgs.cargo;
            rustfmt = pkgs.cargo;
            nix = pkgs.cargo;
          };
        in
        pkgs;
    in
    {
      legacyPackages = builtins.listToAttrs (map (s: { name = s; value = pkgsFor s; }) systems);
    };
}
