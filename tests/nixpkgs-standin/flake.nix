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
            stdenv.buildPlatform.canExecute = _: true;
            lib = {
              importTOML = file: builtins.fromTOML (builtins.readFile file);
              cleanSourceWith = { src, filter, ... }: builtins.path { path = src; inherit filter; name = "source"; };
              licenses.mit = { shortName = "mit"; };
              optionalString = cond: text: if cond then text else "";
              literalExpression = text: { _type = "literalExpression"; inherit text; };
            };
            callPackage = f: overrides:
              let fn = if builtins.isFunction f then f else import f; in
              fn (builtins.intersectAttrs (builtins.functionArgs fn) pkgs // overrides);
            runCommand = name: env: script: sh name env script;
            mkShell = { packages ? [ ], ... }: sh "shell" { } "echo shell > $out";
            # Under bash, as nixpkgs' stdenv: postInstall may use process substitution.
            rustPlatform.buildRustPackage = { pname, src, nativeBuildInputs ? [ ], postInstall ? "", ... }:
              sh pname { builder = "/bin/bash"; } ''
                export HOME=${host.home} CARGO_HOME=${host.cargoHome} CARGO_TARGET_DIR=${host.targetDir}
                ${host.cargo} build --offline --locked --manifest-path ${src}/Cargo.toml --bin ${pname}
                mkdir -p $out/bin
                cp ${host.targetDir}/debug/${pname} $out/bin/
                for input in ${toString nativeBuildInputs}; do source $input/nix-support/setup-hook; done
                cd "$(mktemp -d)"
                ${postInstall}
              '';
            # nixpkgs' installShellFiles, for what portnix uses: `--cmd NAME` with --bash, --zsh,
            # --fish FILE, and installManPage (uncompressed here).
            installShellFiles = sh "install-shell-files" { } ''
              mkdir -p $out/nix-support
              cat > $out/nix-support/setup-hook <<'EOF'
              installShellCompletion() {
                local cmd="" dest
                while [ $# -gt 0 ]; do
                  case "$1" in
                    --cmd) cmd="$2" ;;
                    --bash) dest="$out/share/bash-completion/completions/$cmd.bash" ;;
                    --zsh) dest="$out/share/zsh/site-functions/_$cmd" ;;
                    --fish) dest="$out/share/fish/vendor_completions.d/$cmd.fish" ;;
                  esac
                  case "$1" in --bash|--zsh|--fish) mkdir -p "$(dirname "$dest")"; cat "$2" > "$dest" ;; esac
                  shift 2
                done
              }
              installManPage() {
                mkdir -p "$out/share/man/man1"
                cp "$1" "$out/share/man/man1/"
              }
              EOF
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
