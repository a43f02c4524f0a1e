# A NixOS module: checks the registry at evaluation time and, when asked, opens its ports.
#
#   imports = [ portnix.nixosModules.default ];
#   portnix = {
#     registry = ./lib/ports.nix; config = ./lib/portnix.nix;
#     openFirewall = true;
#     scope = "hosts.web";   # under `scopes = [ "hosts.*" ]`: open only this host's entries
#   };
#
# Every error of `portnix check` is an assertion, so the build fails listing them; its warnings
# (privileged, ephemeral, unused ranges) are NixOS warnings.
{ config, lib, ... }:
let
  cfg = config.portnix;
  portnix = import ./lib.nix;
  args = { inherit (cfg) registry; config = if cfg.config == null then { } else cfg.config; };
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
    scope = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "hosts.web";
      description = "Open only the entries under this dotted path: this machine's, when the registry keeps several hosts under `scopes`.";
    };
  };

  config = lib.mkIf (cfg.registry != null) {
    assertions = map
      (f: {
        assertion = false;
        message = "portnix: ${f.code}: ${f.message}";
      })
      (portnix.findings args);
    warnings = map (w: "portnix: ${w.code}: ${w.message}") (portnix.warnings args);
    networking.firewall = lib.mkIf cfg.openFirewall (portnix.firewall (args // { only = cfg.scope; }));
  };
}
