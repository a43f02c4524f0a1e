# portnix built from this repository's Cargo.lock.
{ lib, stdenv, rustPlatform, installShellFiles }:
let
  manifest = (lib.importTOML ../Cargo.toml).package;
in
rustPlatform.buildRustPackage {
  pname = manifest.name;
  inherit (manifest) version;
  src = lib.cleanSourceWith {
    src = ../.;
    filter = path: type:
      let base = baseNameOf path; in
      !(type == "directory" && (base == "target" || base == "fuzz"));
  };
  cargoLock.lockFile = ../Cargo.lock;
  nativeBuildInputs = [ installShellFiles ];
  # Completions and the man page come from the binary's own clap definition, so they run it:
  # not possible when cross-compiling, where they are left out.
  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd portnix \
      --bash <($out/bin/portnix completions bash) \
      --zsh <($out/bin/portnix completions zsh) \
      --fish <($out/bin/portnix completions fish)
    $out/bin/portnix man > portnix.1
    installManPage portnix.1
  '';
  # The test suite compares against the real Nix, which the build sandbox does not have.
  doCheck = false;
  meta = {
    description = "Checked service ports from a Nix registry";
    mainProgram = "portnix";
    license = lib.licenses.mit;
  };
}
