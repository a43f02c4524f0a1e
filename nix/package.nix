# portnix built from this repository's Cargo.lock.
{ lib, rustPlatform }:
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
  # The test suite compares against the real Nix, which the build sandbox does not have.
  doCheck = false;
  meta = {
    description = "Checked service ports from a Nix registry";
    mainProgram = "portnix";
    license = lib.licenses.mit;
  };
}
