# A NixOS module: checks the registry at evaluation time and, when asked, opens its ports.
#
#   imports = [ portnix.nixosModules.default ];
#   portnix = { registry = ./lib/ports.nix; config = ./lib/portnix.nix; openFirewall = true; };
{ config, lib, ... }:
let
  cfg = config.portnix;
  portnix = import ./lib.nix;
  args = { inherit (cfg) registry; config = if cfg.config == null then { } else cfg.config; };
  findings = portnix.findings args;
in
{
  options.portnix = {
    registry = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = lib.literalExpression "./lib/ports.nix";
      description = "The port registry: categories, services, ports or { from; to; } ranges.";
    };
    config = lib.mkOption {
      type = lib.types.nullOr (lib.types.either lib.types.path lib.types.attrs);
      default = null;
      example = lib.literalExpression "./lib/portnix.nix";
      description = "portnix's config for the registry: ranges, reserved ports, services, scopes.";
    };
    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Open the ports of the services marked openFirewall in the config.";
    };
  };

  config = lib.mkIf (cfg.registry != null) {
    assertions = map
      (f: {
        assertion = false;
        message = "portnix: ${f.code}: ${f.message}";
      })
      findings;
    networking.firewall = lib.mkIf cfg.openFirewall (portnix.firewall args);
  };
}
